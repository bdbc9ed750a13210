//! Info commands driven by the Rust `aerospike` crate: truncate, namespace and set statistics,
//! the secondary-index registry and job status.

mod common;

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aerospike::{
    as_bin, AdminPolicy, CollectionIndexType, IndexType, ReadPolicy, Task, WritePolicy,
};
use aerospike_devserver::{ClusterConfig, NamespaceConfig};

async fn info(client: &aerospike::Client, command: &str) -> String {
    let node = client.nodes().into_iter().next().expect("one node");
    let mut answers: HashMap<String, String> = node
        .info(&AdminPolicy::default(), &[command])
        .await
        .expect("info answered");
    answers.remove(command).expect("the command is echoed")
}

async fn put_n(client: &aerospike::Client, set: &str, n: usize) -> Vec<aerospike::Key> {
    let mut keys = Vec::new();
    for i in 0..n {
        let key = common::unique_key(set);
        client
            .put(&WritePolicy::default(), &key, &[as_bin!("n", i as i64)])
            .await
            .unwrap();
        keys.push(key);
    }
    keys
}

/// Truncate spares records written in its own millisecond, as the server's last-update times
/// are milliseconds.
async fn past_this_millisecond() {
    tokio::time::sleep(Duration::from_millis(2)).await;
}

#[tokio::test]
async fn records_written_in_the_truncate_millisecond_survive() {
    let h = common::start().await;
    let c = &h.client;
    // Taken before the write, so the record's millisecond is the cutoff's (nearly always) or a
    // later one, never an earlier one, however slow the machine.
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let keys = put_n(c, "same_ms", 1).await;
    let command = format!(
        "truncate:namespace=test;set=same_ms;lut={}",
        now_ms * 1_000_000
    );
    assert_eq!(info(c, &command).await, "ok");
    assert!(c.exists(&ReadPolicy::default(), &keys[0]).await.unwrap());
}

#[tokio::test]
async fn truncate_answers_as_the_server_does() {
    let h = common::start().await;
    let c = &h.client;
    let cases = [
        ("truncate:set=s", "ERROR:20:missing 'namespace'"),
        ("truncate:namespace=test", "ERROR:4:missing 'set'"),
        (
            "truncate:namespace=test;set=",
            "ERROR:4:missing 'set' value",
        ),
        (
            "truncate:namespace=test;set=s;lut=1000",
            "ERROR:4:would truncate to 0",
        ),
        (
            "truncate:namespace=test;set=s;lut=abc",
            "ERROR:4:would truncate to 0",
        ),
        (
            "truncate:namespace=test;set=s;lut=99999999999999999999",
            "ERROR:4:would truncate in the future",
        ),
        (
            "truncate-namespace:namespace=test;set=s",
            "ERROR:4:unexpected set name",
        ),
        ("truncate:namespace=nosuch;set=s", "ok"),
        ("truncate-undo:namespace=test;set=s", "ok"),
    ];
    for (command, answer) in cases {
        assert_eq!(info(c, command).await, answer, "{command}");
    }
}

#[tokio::test]
async fn truncate_deletes_a_set_or_a_namespace() {
    let h = common::start().await;
    let c = &h.client;
    let doomed = put_n(c, "doomed", 3).await;
    let kept = put_n(c, "kept", 2).await;
    past_this_millisecond().await;
    c.truncate(&AdminPolicy::default(), common::NAMESPACE, "doomed", 0)
        .await
        .unwrap();
    for key in &doomed {
        assert!(!c.exists(&ReadPolicy::default(), key).await.unwrap());
    }
    for key in &kept {
        assert!(c.exists(&ReadPolicy::default(), key).await.unwrap());
    }
    past_this_millisecond().await;
    c.truncate(&AdminPolicy::default(), common::NAMESPACE, "", 0)
        .await
        .unwrap();
    for key in &kept {
        assert!(!c.exists(&ReadPolicy::default(), key).await.unwrap());
    }
}

#[tokio::test]
async fn truncate_with_a_last_update_time_keeps_newer_records() {
    let h = common::start().await;
    let c = &h.client;
    let old = put_n(c, "lut", 2).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let cutoff = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let new = put_n(c, "lut", 2).await;
    c.truncate(&AdminPolicy::default(), common::NAMESPACE, "lut", cutoff)
        .await
        .unwrap();
    for key in &old {
        assert!(!c.exists(&ReadPolicy::default(), key).await.unwrap());
    }
    for key in &new {
        assert!(c.exists(&ReadPolicy::default(), key).await.unwrap());
    }
    let future = cutoff + 3_600_000_000_000;
    assert!(c
        .truncate(&AdminPolicy::default(), common::NAMESPACE, "lut", future)
        .await
        .is_err());
}

#[tokio::test]
async fn namespaces_and_sets_report_their_records() {
    let h = common::start_with(ClusterConfig {
        namespaces: vec![NamespaceConfig::new("test"), NamespaceConfig::new("bar")],
        ..ClusterConfig::default()
    })
    .await;
    let c = &h.client;
    put_n(c, "counted", 3).await;
    assert_eq!(info(c, "namespaces").await, "test;bar");
    let stats = info(c, "namespace/test").await;
    assert!(stats.split(';').any(|kv| kv == "objects=3"), "{stats}");
    assert_eq!(info(c, "namespace/nope").await, "type=unknown");
    let sets = info(c, "sets/test/counted").await;
    assert!(sets.starts_with("objects=3:"), "{sets}");
    let all = info(c, "sets/test").await;
    assert!(all.starts_with("ns=test:set=counted:objects=3:"), "{all}");
    assert_eq!(info(c, "sets/nope").await, "ns_type=unknown");
    let replicas = info(c, "replicas").await;
    let entries: Vec<&str> = replicas.split(';').collect();
    assert_eq!(entries.len(), 2);
    assert!(entries[1].starts_with("bar:0,1,"));
}

#[tokio::test]
async fn secondary_indexes_register_report_and_drop() {
    let h = common::start().await;
    let c = &h.client;
    put_n(c, "indexed", 4).await;
    let admin = AdminPolicy::default();
    let task = c
        .create_index_on_bin(
            &admin,
            common::NAMESPACE,
            "indexed",
            "n",
            "idx_n",
            IndexType::Numeric,
            CollectionIndexType::Default,
            None,
        )
        .await
        .unwrap();
    task.wait_till_complete(Some(Duration::from_secs(5)))
        .await
        .unwrap();
    // Re-creating the same definition is fine; another definition under the name is not.
    c.create_index_on_bin(
        &admin,
        common::NAMESPACE,
        "indexed",
        "n",
        "idx_n",
        IndexType::Numeric,
        CollectionIndexType::Default,
        None,
    )
    .await
    .unwrap();
    let clash = c
        .create_index_on_bin(
            &admin,
            common::NAMESPACE,
            "indexed",
            "other",
            "idx_n",
            IndexType::String,
            CollectionIndexType::Default,
            None,
        )
        .await;
    assert!(clash.is_err(), "{clash:?}");

    let stat = info(c, "sindex-stat:namespace=test;indexname=idx_n").await;
    assert!(
        stat.contains("entries=4;") && stat.contains("load_pct=100"),
        "{stat}"
    );
    let list = info(c, "sindex-list:namespace=test").await;
    assert!(
        list.contains("indexname=idx_n:set=indexed:bin=n:type=numeric"),
        "{list}"
    );

    let drop = c
        .drop_index(&admin, common::NAMESPACE, "indexed", "idx_n")
        .await
        .unwrap();
    drop.wait_till_complete(Some(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(
        info(c, "sindex-exists:namespace=test;indexname=idx_n").await,
        "false"
    );
    // Removing a missing index is fine; asking about one is not.
    assert_eq!(
        info(c, "sindex-delete:namespace=test;indexname=idx_n").await,
        "ok"
    );
    assert_eq!(
        info(c, "sindex-stat:namespace=test;indexname=idx_n").await,
        "ERROR:201:no index"
    );
}

#[tokio::test]
async fn an_index_defined_again_under_another_name_is_renamed() {
    let h = common::start().await;
    let c = &h.client;
    let create = |name: &str| {
        format!("sindex-create:namespace=test;set=s;indexname={name};bin=n;type=numeric")
    };
    assert_eq!(info(c, &create("first")).await, "ok");
    assert_eq!(info(c, &create("second")).await, "ok");
    assert_eq!(
        info(c, "sindex-list:namespace=test").await,
        "ns=test:indexname=second:set=s:bin=n:type=numeric:indextype=default:\
         context=null:exp=null:state=RW"
    );
    assert_eq!(
        info(
            c,
            "sindex-create:namespace=test;set=s;indexname=second;bin=m;type=numeric"
        )
        .await,
        "ERROR:200:'indexname' already exists with different definition"
    );
    assert_eq!(
        info(c, "sindex-list:namespace=nosuch").await,
        "ERROR:20:namespace not found on node;ERROR:20:namespace not found on node"
    );
}

#[tokio::test]
async fn query_show_reports_unknown_jobs_as_not_found() {
    let h = common::start().await;
    assert!(info(&h.client, "query-show:id=12345")
        .await
        .starts_with("ERROR:2:"));
}

#[tokio::test]
async fn discovery_commands_answer_as_a_community_server() {
    let h = common::start().await;
    let c = &h.client;
    assert_eq!(info(c, "build").await, "8.1.2.0");
    assert_eq!(
        info(c, "version").await,
        "Aerospike Community Edition build 8.1.2.0"
    );
    for tls in ["peers-tls-std", "peers-tls-alt", "service-tls-std"] {
        assert_eq!(info(c, tls).await, "ERROR:25:enterprise only", "{tls}");
    }
    let all = info(c, "replicas-all").await;
    assert!(all.starts_with("test:1,/"), "{all}");
    let key = info(c, "cluster-stable").await;
    assert_eq!(key.len(), 12, "{key}");
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    assert_eq!(info(c, "cluster-stable:size=1").await, key);
    assert_eq!(
        info(c, "cluster-stable:size=2").await,
        "ERROR:7:cluster not specified size"
    );
}
