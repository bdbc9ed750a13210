//! Filter expressions and expression ops driven by the Rust `aerospike` crate.

mod common;

use aerospike::expressions::{
    and, bin_exists, cond, def, digest_modulo, eq, exp_let, float_val, ge, gt, int_bin, int_val,
    key as record_key, key_exists, list_bin, list_val, lists, lt, map_bin, maps, ne, not, num_add,
    num_mul, or, record_size, regex_compare, set_name, since_update, string_bin, string_val,
    to_float, ttl, var, void_time, ExpType, Expression,
};
use aerospike::operations::exp::{read_exp, write_exp, ExpReadFlags, ExpWriteFlags};
use aerospike::operations::{self, Operation};
use aerospike::policy::Expiration;
use aerospike::{
    as_bin, as_list, as_map, as_val, Bins, Error, Key, ListReturnType, MapReturnType, ReadPolicy,
    RegexFlag, ResultCode, Value, WritePolicy,
};

fn result_code(err: Error) -> ResultCode {
    match err {
        Error::ServerError(rc, _, _) => rc,
        other => panic!("expected a server error, got {other:?}"),
    }
}

fn read_with(filter: Expression) -> ReadPolicy {
    let mut policy = ReadPolicy::default();
    policy.base_policy.filter_expression = Some(filter);
    policy
}

fn write_with(filter: Expression) -> WritePolicy {
    let mut policy = WritePolicy::default();
    policy.base_policy.filter_expression = Some(filter);
    policy
}

/// A record with a=5, s="Hello World", l=[3,1,2], m={"x":1,"y":2}, stored with its key.
async fn seeded(h: &common::Harness) -> Key {
    let key = common::unique_key("exp");
    let policy = WritePolicy {
        send_key: true,
        expiration: Expiration::Seconds(1000),
        ..WritePolicy::default()
    };
    let bins = [
        as_bin!("a", 5),
        as_bin!("s", "Hello World"),
        as_bin!("l", as_list!(3, 1, 2)),
        as_bin!("m", as_map!("x" => 1, "y" => 2)),
    ];
    h.client.put(&policy, &key, &bins).await.unwrap();
    key
}

fn a() -> Expression {
    int_bin("a".to_string())
}

#[tokio::test]
async fn filters_pass_or_answer_filtered_out() {
    let h = common::start().await;
    let key = seeded(&h).await;
    let passing = [
        eq(a(), int_val(5)),
        and(vec![gt(a(), int_val(1)), lt(a(), int_val(9))]),
        or(vec![eq(a(), int_val(0)), ne(a(), int_val(0))]),
        not(eq(a(), int_val(6))),
        bin_exists("s".to_string()),
        regex_compare(
            "^hello".to_string(),
            RegexFlag::ICASE as i64,
            string_bin("s".to_string()),
        ),
        eq(record_key(ExpType::INT), key_val(&key)),
        key_exists(),
        eq(set_name(), string_val("exp".to_string())),
        ge(ttl(), int_val(990)),
        gt(void_time(), int_val(0)),
        ge(since_update(), int_val(0)),
        gt(record_size(), int_val(0)),
        lt(digest_modulo(3), int_val(3)),
        eq(lists::size(list_bin("l".to_string()), &[]), int_val(3)),
        eq(
            lists::get_by_rank(
                ListReturnType::Values,
                ExpType::INT,
                int_val(-1),
                list_bin("l".to_string()),
                &[],
            ),
            int_val(3),
        ),
        eq(
            maps::get_by_key(
                MapReturnType::Value,
                ExpType::INT,
                string_val("y".to_string()),
                map_bin("m".to_string()),
                &[],
            ),
            int_val(2),
        ),
        eq(
            lists::get_by_value_list(
                ListReturnType::Count,
                list_val(vec![Value::from(1), Value::from(9)]),
                list_bin("l".to_string()),
                &[],
            ),
            int_val(1),
        ),
        eq(
            cond(vec![
                gt(a(), int_val(10)),
                int_val(1),
                lt(a(), int_val(10)),
                int_val(2),
                int_val(3),
            ]),
            int_val(2),
        ),
        eq(
            exp_let(vec![
                def("x".to_string(), num_mul(vec![a(), int_val(2)])),
                var("x".to_string()),
            ]),
            int_val(10),
        ),
        eq(to_float(a()), float_val(5.0)),
    ];
    for filter in passing {
        let record = h
            .client
            .get(&read_with(filter.clone()), &key, Bins::All)
            .await;
        assert!(record.is_ok(), "{filter:?} should pass: {record:?}");
    }
    let failing = [
        eq(a(), int_val(6)),
        // A missing bin is UNKNOWN: neither it nor its negation passes.
        eq(int_bin("missing".to_string()), int_val(1)),
        not(eq(int_bin("missing".to_string()), int_val(1))),
        // A bin of another type is UNKNOWN too.
        eq(int_bin("s".to_string()), int_val(1)),
        regex_compare(
            "^hello".to_string(),
            RegexFlag::NONE as i64,
            string_bin("s".to_string()),
        ),
    ];
    for filter in failing {
        let err = h
            .client
            .get(&read_with(filter.clone()), &key, Bins::All)
            .await
            .unwrap_err();
        assert_eq!(result_code(err), ResultCode::FilteredOut, "{filter:?}");
    }
}

fn key_val(key: &Key) -> Expression {
    match &key.user_key {
        Some(Value::Int(n)) => int_val(*n),
        other => panic!("integer key expected, got {other:?}"),
    }
}

#[tokio::test]
async fn filters_guard_writes_deletes_touches_and_operate() {
    let h = common::start().await;
    let key = seeded(&h).await;
    let no = write_with(eq(a(), int_val(0)));
    let rc = |r: aerospike::Result<()>| result_code(r.unwrap_err());
    assert_eq!(
        rc(h.client.put(&no, &key, &[as_bin!("a", 1)]).await),
        ResultCode::FilteredOut
    );
    assert_eq!(rc(h.client.touch(&no, &key).await), ResultCode::FilteredOut);
    let err = h.client.delete(&no, &key).await.unwrap_err();
    assert_eq!(result_code(err), ResultCode::FilteredOut);
    let err = h
        .client
        .operate(&no, &key, &[operations::put(&as_bin!("a", 1))])
        .await
        .unwrap_err();
    assert_eq!(result_code(err), ResultCode::FilteredOut);
    let record = h
        .client
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(
        record.bins.get("a"),
        Some(&Value::from(5)),
        "nothing was written"
    );
    assert_eq!(record.generation, 1);

    let yes = write_with(eq(a(), int_val(5)));
    h.client.put(&yes, &key, &[as_bin!("a", 6)]).await.unwrap();
    assert!(h
        .client
        .delete(&write_with(eq(a(), int_val(6))), &key)
        .await
        .unwrap());

    // A filter never blocks creating a record.
    h.client.put(&no, &key, &[as_bin!("a", 1)]).await.unwrap();
}

#[tokio::test]
async fn expression_ops_read_and_write_bins() {
    let h = common::start().await;
    let key = seeded(&h).await;
    let sum = num_add(vec![a(), lists::size(list_bin("l".to_string()), &[])]);
    let ops: Vec<Operation> = vec![
        write_exp("total", sum.clone(), ExpWriteFlags::Default),
        read_exp(
            "computed",
            num_mul(vec![int_bin("total".to_string()), int_val(10)]),
            ExpReadFlags::Default,
        ),
    ];
    let record = h
        .client
        .operate(&WritePolicy::default(), &key, &ops)
        .await
        .unwrap();
    assert_eq!(record.bins.get("computed"), Some(&Value::from(80)));
    let stored = h
        .client
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(stored.bins.get("total"), Some(&Value::from(8)));

    let err = h
        .client
        .operate(
            &WritePolicy::default(),
            &key,
            &[write_exp("a", int_val(1), ExpWriteFlags::CreateOnly)],
        )
        .await
        .unwrap_err();
    assert_eq!(result_code(err), ResultCode::BinExistsError);
    let err = h
        .client
        .operate(
            &WritePolicy::default(),
            &key,
            &[write_exp("nope", int_val(1), ExpWriteFlags::UpdateOnly)],
        )
        .await
        .unwrap_err();
    assert_eq!(result_code(err), ResultCode::BinNotFound);
    let missing = int_bin("missing".to_string());
    let err = h
        .client
        .operate(
            &WritePolicy::default(),
            &key,
            &[read_exp("r", missing.clone(), ExpReadFlags::Default)],
        )
        .await
        .unwrap_err();
    assert_eq!(result_code(err), ResultCode::OpNotApplicable);
    h.client
        .operate(
            &WritePolicy::default(),
            &key,
            &[read_exp("r", missing, ExpReadFlags::EvalNoFail)],
        )
        .await
        .unwrap();

    // A modify-local list call returns the changed list without storing it.
    let appended = lists::append(
        aerospike::ListPolicy::default(),
        int_val(4),
        list_bin("l".to_string()),
        &[],
    );
    let record = h
        .client
        .operate(
            &WritePolicy::default(),
            &key,
            &[read_exp("l2", appended, ExpReadFlags::Default)],
        )
        .await
        .unwrap();
    assert_eq!(record.bins.get("l2"), Some(&as_list!(3, 1, 2, 4)));
}

#[tokio::test]
async fn ill_typed_expressions_are_parameter_errors() {
    let h = common::start().await;
    let key = seeded(&h).await;
    let bad = eq(a(), string_val("5".to_string()));
    let err = h
        .client
        .get(&read_with(bad), &key, Bins::All)
        .await
        .unwrap_err();
    assert_eq!(result_code(err), ResultCode::ParameterError);
}

#[tokio::test]
async fn hostile_expression_depth_is_a_parameter_error() {
    // The real server evaluates a few thousand levels; the dev server refuses them cleanly.
    let h = common::start().await;
    let key = seeded(&h).await;
    let mut deep = eq(a(), int_val(5));
    for _ in 0..1000 {
        deep = not(deep);
    }
    let err = h
        .client
        .get(&read_with(deep), &key, Bins::All)
        .await
        .unwrap_err();
    assert_eq!(result_code(err), ResultCode::ParameterError);
    let record = h.client.get(&ReadPolicy::default(), &key, Bins::All).await;
    assert!(record.is_ok(), "the server still answers");
}
