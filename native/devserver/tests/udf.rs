//! Record UDFs driven by the Rust `aerospike` crate: registering and removing modules, the
//! record API, return values, failures and the time limit, and UDF rows of a batch.

mod common;

use std::collections::HashMap;

use aerospike::{
    as_bin, AdminPolicy, BatchOperation, BatchPolicy, BatchUDFPolicy, ReadPolicy, Task, UDFLang,
    Value, WritePolicy,
};

const MODULE: &str = "
function add(rec, a, b) return a + b end
function boom(rec) error('boom') end
function put(rec, name, value)
  rec[name] = value
  if aerospike:exists(rec) then return aerospike:update(rec) end
  return aerospike:create(rec)
end
function staged(rec) rec['a'] = 9 return rec['a'] end
function remove(rec) return aerospike:remove(rec) end
function meta(rec) return list{record.gen(rec), record.setname(rec), bytes.size(record.digest(rec))} end
function objects(rec)
  local m = map{a = 1}
  m['l'] = list{1, 'x'}
  local b = bytes(1)
  b[1] = 7
  return list{m, b, 2.5, true}
end
function forever(rec) while true do pcall(function() while true do end end) end end
";

async fn register(client: &aerospike::Client, name: &str, source: &str) {
    client
        .register_udf(
            &AdminPolicy::default(),
            source.as_bytes(),
            name,
            UDFLang::Lua,
        )
        .await
        .expect("registered")
        .wait_till_complete(None)
        .await
        .expect("listed");
}

async fn info(client: &aerospike::Client, command: &str) -> String {
    let node = client.nodes().into_iter().next().expect("one node");
    let mut answers: HashMap<String, String> = node
        .info(&AdminPolicy::default(), &[command])
        .await
        .expect("info answered");
    answers.remove(command).expect("the command is echoed")
}

async fn call(
    client: &aerospike::Client,
    key: &aerospike::Key,
    function: &str,
    args: &[Value],
) -> aerospike::Result<Option<Value>> {
    client
        .execute_udf(&WritePolicy::default(), key, "m", function, Some(args))
        .await
}

fn failure(result: aerospike::Result<Option<Value>>) -> String {
    match result {
        Err(aerospike::Error::UdfBadResponse(message)) => message,
        other => panic!("expected a UDF failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_registered_module_runs_and_writes_its_record() {
    let h = common::start().await;
    register(&h.client, "m.lua", MODULE).await;
    let key = common::unique_key("udf");
    let two = [Value::from(2), Value::from(3)];
    assert_eq!(
        call(&h.client, &key, "add", &two).await.unwrap(),
        Some(Value::from(5))
    );
    let put = [Value::from("a"), Value::from(1)];
    assert_eq!(
        call(&h.client, &key, "put", &put).await.unwrap(),
        Some(Value::from(0))
    );
    let record = h
        .client
        .get(&ReadPolicy::default(), &key, aerospike::Bins::All)
        .await
        .unwrap();
    assert_eq!(record.generation, 1);
    assert_eq!(record.bins.get("a"), Some(&Value::from(1)));

    // An assignment without update is dropped with the call.
    assert_eq!(
        call(&h.client, &key, "staged", &[]).await.unwrap(),
        Some(Value::from(9))
    );
    let record = h
        .client
        .get(&ReadPolicy::default(), &key, aerospike::Bins::All)
        .await
        .unwrap();
    assert_eq!(record.bins.get("a"), Some(&Value::from(1)));

    let meta = call(&h.client, &key, "meta", &[]).await.unwrap();
    assert_eq!(
        meta,
        Some(Value::List(vec![
            Value::from(1),
            Value::from("udf"),
            Value::from(20)
        ]))
    );
    assert_eq!(
        call(&h.client, &key, "remove", &[]).await.unwrap(),
        Some(Value::from(0))
    );
    assert!(!h.client.exists(&ReadPolicy::default(), &key).await.unwrap());
    assert_eq!(
        call(&h.client, &key, "remove", &[]).await.unwrap(),
        Some(Value::from(1))
    );
}

#[tokio::test]
async fn lua_objects_come_back_as_values() {
    let h = common::start().await;
    register(&h.client, "m.lua", MODULE).await;
    let key = common::unique_key("udf");
    let Some(Value::List(items)) = call(&h.client, &key, "objects", &[]).await.unwrap() else {
        panic!("a list");
    };
    let Value::HashMap(map) = &items[0] else {
        panic!("a map first, got {:?}", items[0]);
    };
    assert_eq!(map.len(), 2);
    assert_eq!(items[1], Value::Blob(vec![7]));
    assert_eq!(items[2], Value::from(2.5));
    assert_eq!(items[3], Value::Bool(true));
}

#[tokio::test]
async fn failures_are_the_servers() {
    let h = common::start().await;
    register(&h.client, "m.lua", MODULE).await;
    let key = common::unique_key("udf");
    assert_eq!(
        failure(call(&h.client, &key, "boom", &[]).await),
        "/opt/aerospike/usr/udf/lua/m.lua:3: boom"
    );
    assert_eq!(
        failure(call(&h.client, &key, "nosuch", &[]).await),
        "function not found"
    );
    assert!(failure(call(&h.client, &key, "add", &[]).await)
        .ends_with("attempt to perform arithmetic on a nil value (local 'a')"));
    let missing = h
        .client
        .execute_udf(&WritePolicy::default(), &key, "nosuch", "f", None)
        .await;
    assert_eq!(failure(missing), "UDF: Execution Error 1");
}

#[tokio::test]
async fn a_udf_that_never_ends_is_stopped_even_inside_pcall() {
    let h = common::start().await;
    register(&h.client, "m.lua", MODULE).await;
    let key = common::unique_key("udf");
    let mut policy = WritePolicy::default();
    policy.base_policy.total_timeout = 300;
    policy.base_policy.socket_timeout = 0;
    let started = std::time::Instant::now();
    let answer = h
        .client
        .execute_udf(&policy, &key, "m", "forever", None)
        .await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // The client may give up first; either way the connection is free again.
    if let Err(aerospike::Error::UdfBadResponse(message)) = answer {
        assert_eq!(message, "UDF Execution Timeout");
    }
    let two = [Value::from(1), Value::from(1)];
    assert_eq!(
        call(&h.client, &key, "add", &two).await.unwrap(),
        Some(Value::from(2))
    );
}

#[tokio::test]
async fn batch_rows_answer_success_or_failure() {
    let h = common::start().await;
    register(&h.client, "m.lua", MODULE).await;
    let keys: Vec<_> = (0..3).map(|_| common::unique_key("udf")).collect();
    h.client
        .put(&WritePolicy::default(), &keys[0], &[as_bin!("a", 1)])
        .await
        .unwrap();
    let policy = BatchUDFPolicy::default();
    let ops = vec![
        BatchOperation::udf(
            &policy,
            keys[0].clone(),
            "m",
            "add",
            Some(vec![1.into(), 2.into()]),
        ),
        BatchOperation::udf(&policy, keys[1].clone(), "m", "boom", None),
        BatchOperation::udf(&policy, keys[2].clone(), "nosuch", "f", None),
    ];
    let rows = h.client.batch(&BatchPolicy::default(), &ops).await.unwrap();
    let bins: Vec<_> = rows
        .iter()
        .map(|row| row.record.as_ref().map(|r| r.bins.clone()))
        .collect();
    assert_eq!(
        bins[0].as_ref().and_then(|b| b.get("SUCCESS")),
        Some(&Value::from(3))
    );
    assert_eq!(
        rows[1].result_code,
        Some(aerospike::ResultCode::UdfBadResponse)
    );
    assert_eq!(
        bins[2].as_ref().and_then(|b| b.get("FAILURE")),
        Some(&Value::from("UDF: Execution Error 1"))
    );
}

#[tokio::test]
async fn info_commands_register_list_get_and_remove() {
    let h = common::start().await;
    register(&h.client, "m.lua", "function f(rec) return 1 end\n").await;
    assert_eq!(
        info(&h.client, "udf-list").await,
        "filename=m.lua,hash=9895169250b8d902c9e187dd2b76592e617cde0e,type=LUA;"
    );
    assert_eq!(
        info(&h.client, "udf-get:filename=m.lua").await,
        "type=LUA;content=ZnVuY3Rpb24gZihyZWMpIHJldHVybiAxIGVuZAo=;"
    );
    let bad = "udf-put:filename=b.lua;content=ZnVuY3Rpb24gZihyZWMpIHJldHVybiAxIAo=;\
               content-len=36;udf-type=LUA;";
    assert_eq!(
        info(&h.client, bad).await,
        "error=compile_error;file=b.lua;line=2;\
         message=J2VuZCcgZXhwZWN0ZWQgKHRvIGNsb3NlICdmdW5jdGlvbicgYXQgbGluZSAxKSBuZWFyIDxlb2Y+"
    );
    assert_eq!(info(&h.client, "udf-remove:filename=m.lua").await, "ok");
    assert_eq!(info(&h.client, "udf-remove:filename=m.lua").await, "ok");
    assert_eq!(
        info(&h.client, "udf-get:filename=m.lua").await,
        "error=not_found"
    );
    assert_eq!(info(&h.client, "udf-list").await, "");
}
