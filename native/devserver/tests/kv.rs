//! Single-record commands driven by the Rust `aerospike` crate (§4 of the protocol spec).

mod common;

use std::time::Duration;

use aerospike::operations;
use aerospike::{
    as_bin, Bin, Bins, Expiration, GenerationPolicy, Key, ReadPolicy, RecordExistsAction,
    ResultCode, Value, WritePolicy,
};
use aerospike_devserver::{ClusterConfig, NamespaceConfig};
use common::server_rc;

fn write_policy(action: RecordExistsAction) -> WritePolicy {
    WritePolicy {
        record_exists_action: action,
        ..WritePolicy::default()
    }
}

#[tokio::test]
async fn put_then_get_returns_the_bins() {
    let h = common::start().await;
    let key = common::unique_key("kv");
    let bins = [as_bin!("a", 1), as_bin!("s", "text"), as_bin!("f", 1.5)];
    h.client
        .put(&WritePolicy::default(), &key, &bins)
        .await
        .unwrap();

    let record = h
        .client
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(record.generation, 1);
    assert_eq!(record.bins.get("a"), Some(&Value::from(1)));
    assert_eq!(record.bins.get("s"), Some(&Value::from("text")));
    assert_eq!(record.bins.get("f"), Some(&Value::from(1.5)));
    assert!(record.time_to_live().is_none(), "default TTL never expires");

    let some = h
        .client
        .get(&ReadPolicy::default(), &key, ["a", "missing"])
        .await
        .unwrap();
    assert_eq!(
        some.bins.len(),
        1,
        "missing bins are omitted: {:?}",
        some.bins
    );
    let header = h
        .client
        .get(&ReadPolicy::default(), &key, Bins::None)
        .await
        .unwrap();
    assert!(header.bins.is_empty());
    assert_eq!(header.generation, 1);
}

#[tokio::test]
async fn exists_and_delete_follow_the_record() {
    let h = common::start().await;
    let key = common::unique_key("kv");
    let read = ReadPolicy::default();
    let write = WritePolicy::default();
    assert!(!h.client.exists(&read, &key).await.unwrap());
    h.client
        .put(&write, &key, &[as_bin!("a", 1)])
        .await
        .unwrap();
    assert!(h.client.exists(&read, &key).await.unwrap());
    assert!(h.client.delete(&write, &key).await.unwrap());
    assert!(!h.client.delete(&write, &key).await.unwrap());
    assert!(!h.client.exists(&read, &key).await.unwrap());
    assert_eq!(
        server_rc(h.client.get(&read, &key, Bins::All).await),
        ResultCode::KeyNotFoundError
    );
}

#[tokio::test]
async fn record_exists_actions_have_the_server_result_codes() {
    let h = common::start().await;
    let c = &h.client;
    let key = common::unique_key("kv");
    let bins = [as_bin!("a", 1), as_bin!("b", 2)];

    for action in [
        RecordExistsAction::UpdateOnly,
        RecordExistsAction::ReplaceOnly,
    ] {
        assert_eq!(
            server_rc(c.put(&write_policy(action), &key, &bins).await),
            ResultCode::KeyNotFoundError
        );
    }
    c.put(&write_policy(RecordExistsAction::CreateOnly), &key, &bins)
        .await
        .unwrap();
    assert_eq!(
        server_rc(
            c.put(&write_policy(RecordExistsAction::CreateOnly), &key, &bins)
                .await
        ),
        ResultCode::KeyExistsError
    );

    c.put(
        &write_policy(RecordExistsAction::UpdateOnly),
        &key,
        &[as_bin!("c", 3)],
    )
    .await
    .unwrap();
    let merged = c
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(merged.bins.len(), 3, "update merges bins");

    c.put(
        &write_policy(RecordExistsAction::Replace),
        &key,
        &[as_bin!("d", 4)],
    )
    .await
    .unwrap();
    let replaced = c
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(replaced.bins.keys().collect::<Vec<_>>(), ["d"]);
    assert_eq!(replaced.generation, 3);

    let incr = [operations::add(&as_bin!("d", 1))];
    assert_eq!(
        server_rc(
            c.operate(&write_policy(RecordExistsAction::Replace), &key, &incr)
                .await
        ),
        ResultCode::ParameterError,
        "replace refuses ops that modify existing bins"
    );
}

#[tokio::test]
async fn generation_policies_guard_writes_and_deletes() {
    let h = common::start().await;
    let c = &h.client;
    let key = common::unique_key("kv");
    c.put(&WritePolicy::default(), &key, &[as_bin!("a", 1)])
        .await
        .unwrap();
    c.put(&WritePolicy::default(), &key, &[as_bin!("a", 2)])
        .await
        .unwrap();

    let expect = |policy: GenerationPolicy, generation: u32| WritePolicy {
        generation_policy: policy,
        generation,
        ..WritePolicy::default()
    };
    let bins = [as_bin!("a", 3)];
    assert_eq!(
        server_rc(
            c.put(&expect(GenerationPolicy::ExpectGenEqual, 1), &key, &bins)
                .await
        ),
        ResultCode::GenerationError
    );
    assert_eq!(
        server_rc(
            c.put(&expect(GenerationPolicy::ExpectGenGreater, 2), &key, &bins)
                .await
        ),
        ResultCode::GenerationError
    );
    assert_eq!(
        server_rc(
            c.delete(&expect(GenerationPolicy::ExpectGenEqual, 9), &key)
                .await
        ),
        ResultCode::GenerationError
    );
    c.put(&expect(GenerationPolicy::ExpectGenEqual, 2), &key, &bins)
        .await
        .unwrap();
    c.put(&expect(GenerationPolicy::ExpectGenGreater, 4), &key, &bins)
        .await
        .unwrap();
    let record = c
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(record.generation, 4);
    assert!(c
        .delete(&expect(GenerationPolicy::ExpectGenEqual, 4), &key)
        .await
        .unwrap());
}

#[tokio::test]
async fn ttl_sets_void_time_and_records_expire_on_the_server_clock() {
    let h = common::start().await;
    let c = &h.client;
    let key = common::unique_key("ttl");
    let ttl = |expiration| WritePolicy {
        expiration,
        ..WritePolicy::default()
    };
    c.put(&ttl(Expiration::Seconds(100)), &key, &[as_bin!("a", 1)])
        .await
        .unwrap();
    let record = c
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    let left = record.time_to_live().expect("a TTL was set");
    assert!(
        (Duration::from_secs(98)..=Duration::from_secs(100)).contains(&left),
        "{left:?}"
    );

    // -2: keep the void time; -1: never expire.
    c.put(&ttl(Expiration::DontUpdate), &key, &[as_bin!("a", 2)])
        .await
        .unwrap();
    let kept = c
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert!(kept.time_to_live().is_some());

    h.cluster.store().clock.advance(Duration::from_secs(101));
    assert_eq!(
        server_rc(c.get(&ReadPolicy::default(), &key, Bins::All).await),
        ResultCode::KeyNotFoundError
    );
    assert!(!c.exists(&ReadPolicy::default(), &key).await.unwrap());

    // An expired record is re-created from generation 1.
    c.put(&ttl(Expiration::Never), &key, &[as_bin!("a", 3)])
        .await
        .unwrap();
    let fresh = c
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(fresh.generation, 1);
    assert!(fresh.time_to_live().is_none());
    assert_eq!(
        server_rc(
            c.put(
                &ttl(Expiration::Seconds(315_360_001)),
                &key,
                &[as_bin!("a", 4)]
            )
            .await
        ),
        ResultCode::ParameterError,
        "more than 10 years is refused"
    );
}

#[tokio::test]
async fn namespace_default_ttl_applies_to_ttl_zero() {
    let mut namespace = NamespaceConfig::new(common::NAMESPACE);
    namespace.default_ttl = 50;
    let h = common::start_with(ClusterConfig {
        namespaces: vec![namespace],
        ..ClusterConfig::default()
    })
    .await;
    let key = common::unique_key("ttl");
    let policy = WritePolicy {
        expiration: Expiration::NamespaceDefault,
        ..WritePolicy::default()
    };
    h.client
        .put(&policy, &key, &[as_bin!("a", 1)])
        .await
        .unwrap();
    let record = h
        .client
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    let left = record
        .time_to_live()
        .expect("the namespace default applies");
    assert!(left <= Duration::from_secs(50) && left >= Duration::from_secs(48));
}

#[tokio::test]
async fn touch_renews_the_record_and_needs_it_to_exist() {
    let h = common::start().await;
    let c = &h.client;
    let key = common::unique_key("touch");
    let policy = WritePolicy {
        expiration: Expiration::Seconds(1000),
        ..WritePolicy::default()
    };
    assert_eq!(
        server_rc(c.touch(&policy, &key).await),
        ResultCode::KeyNotFoundError
    );
    c.put(&WritePolicy::default(), &key, &[as_bin!("a", 1)])
        .await
        .unwrap();
    c.touch(&policy, &key).await.unwrap();
    let record = c
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(record.generation, 2);
    assert!(record.time_to_live().is_some());
}

#[tokio::test]
async fn stored_keys_must_match_later_requests() {
    let h = common::start().await;
    let c = &h.client;
    let key = common::unique_key("sendkey");
    let send_key = WritePolicy {
        send_key: true,
        ..WritePolicy::default()
    };
    c.put(&send_key, &key, &[as_bin!("a", 1)]).await.unwrap();
    c.put(&send_key, &key, &[as_bin!("a", 2)]).await.unwrap();

    let impostor = Key {
        user_key: Some(Value::from("someone else")),
        ..key.clone()
    };
    assert_eq!(
        server_rc(c.put(&send_key, &impostor, &[as_bin!("a", 3)]).await),
        ResultCode::KeyMismatch
    );
}

#[tokio::test]
async fn set_names_must_match_the_record() {
    let h = common::start().await;
    let c = &h.client;
    let key = common::unique_key("sets");
    c.put(&WritePolicy::default(), &key, &[as_bin!("a", 1)])
        .await
        .unwrap();
    let without_set = Key {
        set_name: String::new(),
        ..key.clone()
    };
    let other_set = Key {
        set_name: "other".to_owned(),
        ..key.clone()
    };
    // Reads accept a missing set, not a different one; updates need the record's own set.
    c.get(&ReadPolicy::default(), &without_set, Bins::All)
        .await
        .unwrap();
    assert_eq!(
        server_rc(c.get(&ReadPolicy::default(), &other_set, Bins::All).await),
        ResultCode::ParameterError
    );
    assert_eq!(
        server_rc(
            c.put(&WritePolicy::default(), &without_set, &[as_bin!("a", 2)])
                .await
        ),
        ResultCode::ParameterError
    );
}

#[tokio::test]
async fn operate_applies_ops_in_order_and_answers_reads() {
    let h = common::start().await;
    let c = &h.client;
    let key = common::unique_key("operate");
    c.put(
        &WritePolicy::default(),
        &key,
        &[as_bin!("n", 10), as_bin!("s", "mid"), as_bin!("x", 1.5)],
    )
    .await
    .unwrap();
    let ops = [
        operations::add(&as_bin!("n", 5)),
        operations::append(&as_bin!("s", "-end")),
        operations::prepend(&as_bin!("s", "start-")),
        operations::add(&as_bin!("x", 1.0)),
        operations::put(&Bin::new("gone".into(), Value::Nil)),
        operations::get_bin("n"),
        operations::get_bin("s"),
        operations::get_bin("x"),
    ];
    let record = c
        .operate(&WritePolicy::default(), &key, &ops)
        .await
        .unwrap();
    assert_eq!(record.generation, 2);
    assert_eq!(record.bins.get("n"), Some(&Value::from(15)));
    assert_eq!(record.bins.get("s"), Some(&Value::from("start-mid-end")));
    assert_eq!(record.bins.get("x"), Some(&Value::from(2.5)));

    let all = c
        .operate(
            &WritePolicy::default(),
            &key,
            &[operations::put(&as_bin!("y", 1)), operations::get()],
        )
        .await
        .unwrap();
    assert_eq!(
        all.bins.len(),
        4,
        "read-all sees the write before it: {:?}",
        all.bins
    );

    let header = c
        .operate(&WritePolicy::default(), &key, &[operations::get_header()])
        .await
        .unwrap();
    assert_eq!(header.generation, 3);
}

#[tokio::test]
async fn operate_type_errors_abort_without_changes() {
    let h = common::start().await;
    let c = &h.client;
    let key = common::unique_key("operate");
    c.put(
        &WritePolicy::default(),
        &key,
        &[as_bin!("s", "text"), as_bin!("n", 1)],
    )
    .await
    .unwrap();
    let ops = [
        operations::add(&as_bin!("n", 1)),
        operations::add(&as_bin!("s", 1)),
    ];
    assert_eq!(
        server_rc(c.operate(&WritePolicy::default(), &key, &ops).await),
        ResultCode::BinTypeError
    );
    assert_eq!(
        server_rc(
            c.operate(
                &WritePolicy::default(),
                &key,
                &[operations::append(&as_bin!("n", "x"))]
            )
            .await
        ),
        ResultCode::BinTypeError
    );
    let record = c
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(
        record.bins.get("n"),
        Some(&Value::from(1)),
        "nothing applied"
    );
    assert_eq!(record.generation, 1);
}

#[tokio::test]
async fn delete_all_within_operate_and_removing_the_last_bin_delete_the_record() {
    let h = common::start().await;
    let c = &h.client;
    let key = common::unique_key("operate");
    c.put(&WritePolicy::default(), &key, &[as_bin!("a", 1)])
        .await
        .unwrap();
    let rewritten = c
        .operate(
            &WritePolicy::default(),
            &key,
            &[operations::delete(), operations::put(&as_bin!("b", 2))],
        )
        .await
        .unwrap();
    assert_eq!(rewritten.generation, 2);
    let record = c
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(record.bins.keys().collect::<Vec<_>>(), ["b"]);

    c.put(
        &WritePolicy::default(),
        &key,
        &[Bin::new("b".into(), Value::Nil)],
    )
    .await
    .unwrap();
    assert!(!c.exists(&ReadPolicy::default(), &key).await.unwrap());
    assert_eq!(
        server_rc(
            c.put(
                &WritePolicy::default(),
                &key,
                &[Bin::new("b".into(), Value::Nil)]
            )
            .await
        ),
        ResultCode::KeyNotFoundError,
        "a write that leaves a new record empty"
    );
}

#[tokio::test]
async fn respond_per_each_op_answers_every_op() {
    let h = common::start().await;
    let c = &h.client;
    let key = common::unique_key("operate");
    let policy = WritePolicy {
        respond_per_each_op: true,
        ..WritePolicy::default()
    };
    let record = c
        .operate(
            &policy,
            &key,
            &[
                operations::put(&as_bin!("a", 1)),
                operations::get_bin("a"),
                operations::get_bin("missing"),
            ],
        )
        .await
        .unwrap();
    // The write's NULL entry is dropped by the client; the read answers the value.
    assert_eq!(record.bins.get("a"), Some(&Value::from(1)));
}

#[tokio::test]
async fn limits_answer_the_real_result_codes() {
    let mut namespace = NamespaceConfig::new(common::NAMESPACE);
    namespace.max_record_size = 1000;
    namespace.memory_limit = Some(5000);
    let h = common::start_with(ClusterConfig {
        namespaces: vec![namespace],
        ..ClusterConfig::default()
    })
    .await;
    let c = &h.client;
    let key = common::unique_key("limits");
    assert_eq!(
        server_rc(
            c.put(
                &WritePolicy::default(),
                &key,
                &[as_bin!("big", vec![0u8; 2000])]
            )
            .await
        ),
        ResultCode::RecordTooBig
    );
    let mut out_of_space = None;
    for _ in 0..10 {
        let key = common::unique_key("limits");
        if let Err(e) = c
            .put(
                &WritePolicy::default(),
                &key,
                &[as_bin!("v", vec![0u8; 900])],
            )
            .await
        {
            out_of_space = Some(e);
            break;
        }
    }
    assert_eq!(
        server_rc::<()>(Err(out_of_space.expect("the namespace fills up"))),
        ResultCode::ServerMemError
    );
}

#[tokio::test]
async fn durable_deletes_are_enterprise_only() {
    let h = common::start().await;
    let key = common::unique_key("kv");
    let durable = WritePolicy {
        durable_delete: true,
        ..WritePolicy::default()
    };
    let missing = common::unique_key("kv");
    assert_eq!(
        server_rc(h.client.delete(&durable, &missing).await),
        ResultCode::EnterpriseOnly
    );
    h.client
        .put(&durable, &key, &[as_bin!("a", 1), as_bin!("b", 2)])
        .await
        .unwrap();
    assert_eq!(
        server_rc(h.client.delete(&durable, &key).await),
        ResultCode::EnterpriseOnly
    );
    let removes_every_bin = [
        Bin::new("a".into(), Value::Nil),
        Bin::new("b".into(), Value::Nil),
    ];
    assert_eq!(
        server_rc(h.client.put(&durable, &key, &removes_every_bin).await),
        ResultCode::EnterpriseOnly
    );
    // A durable write that leaves bins behind is an ordinary write.
    h.client
        .put(&durable, &key, &removes_every_bin[..1])
        .await
        .unwrap();
    let record = h
        .client
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(record.bins.get("b"), Some(&Value::from(2)));
}
