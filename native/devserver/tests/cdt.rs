//! List and map operations driven by the Rust `aerospike` crate.

mod common;

use std::collections::HashMap;

use aerospike::operations::cdt_context::{
    ctx_list_index, ctx_list_index_create, ctx_map_key, ctx_map_key_create,
};
use aerospike::operations::{lists, maps, Operation};
use aerospike::{
    as_bin, as_list, as_map, as_ord_map, as_val, Bins, Error, Key, ListOrderType, ListPolicy,
    ListReturnType, ListSortFlags, ListWriteFlags, MapPolicy, MapReturnType, MapWriteMode,
    ReadPolicy, Record, ResultCode, Value, WritePolicy,
};
use aerospike_devserver::{Cluster, ClusterConfig};

async fn operate(h: &common::Harness, key: &Key, ops: &[Operation]) -> aerospike::Result<Record> {
    h.client.operate(&WritePolicy::default(), key, ops).await
}

async fn bin(h: &common::Harness, key: &Key, name: &str) -> Option<Value> {
    let record = h
        .client
        .get(&ReadPolicy::default(), key, Bins::All)
        .await
        .unwrap();
    record.bins.get(name).cloned()
}

fn result_code(err: Error) -> ResultCode {
    match err {
        Error::ServerError(rc, _, _) => rc,
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[tokio::test]
async fn list_operations_follow_server_semantics() {
    let h = common::start().await;
    let key = common::unique_key("cdt");
    let policy = ListPolicy::default();
    let record = operate(
        &h,
        &key,
        &[lists::append_items(
            &policy,
            "l",
            vec![Value::from(3), Value::from(1), Value::from(2)],
        )],
    )
    .await
    .unwrap();
    assert_eq!(
        record.bins.get("l"),
        Some(&Value::from(3)),
        "append returns the new size"
    );

    let record = operate(&h, &key, &[lists::insert(&policy, "l", 1, Value::from(9))])
        .await
        .unwrap();
    assert_eq!(record.bins.get("l"), Some(&Value::from(4)));
    assert_eq!(bin(&h, &key, "l").await, Some(as_list!(3, 9, 1, 2)));

    let reads = [
        (lists::size("l"), Value::from(4)),
        (
            lists::get_by_index("l", -1, ListReturnType::Values),
            Value::from(2),
        ),
        (
            lists::get_by_rank("l", 0, ListReturnType::Values),
            Value::from(1),
        ),
        (
            // The server's partial heap sort reports a low rank range descending.
            lists::get_by_rank_range_count("l", 0, 2, ListReturnType::Values),
            as_list!(2, 1),
        ),
        (
            lists::get_by_index_range_count("l", 1, 2, ListReturnType::Values),
            as_list!(9, 1),
        ),
        (
            lists::get_by_value("l", Value::from(9), ListReturnType::Index),
            as_list!(1),
        ),
        (
            lists::get_by_value_range("l", Value::from(2), Value::from(10), ListReturnType::Count),
            Value::from(3),
        ),
        (lists::get_range("l", 1, 2), as_list!(9, 1)),
    ];
    for (op, want) in reads {
        let record = operate(&h, &key, &[op]).await.unwrap();
        assert_eq!(record.bins.get("l"), Some(&want));
    }

    let record = operate(&h, &key, &[lists::pop("l", 0)]).await.unwrap();
    assert_eq!(record.bins.get("l"), Some(&Value::from(3)));
    let record = operate(&h, &key, &[lists::increment(&policy, "l", 0, 5)])
        .await
        .unwrap();
    assert_eq!(record.bins.get("l"), Some(&Value::from(14)));
    operate(&h, &key, &[lists::sort("l", ListSortFlags::Default)])
        .await
        .unwrap();
    assert_eq!(bin(&h, &key, "l").await, Some(as_list!(1, 2, 14)));
    let record = operate(
        &h,
        &key,
        &[lists::remove_by_value(
            "l",
            Value::from(2),
            ListReturnType::Count,
        )],
    )
    .await
    .unwrap();
    assert_eq!(record.bins.get("l"), Some(&Value::from(1)));
    operate(&h, &key, &[lists::clear("l")]).await.unwrap();
    assert_eq!(bin(&h, &key, "l").await, Some(as_list!()));
}

#[tokio::test]
async fn ordered_lists_and_write_flags() {
    let h = common::start().await;
    let key = common::unique_key("cdt");
    let unique = ListPolicy::new(ListOrderType::Ordered, ListWriteFlags::AddUnique);
    for v in [5, 1, 3] {
        operate(&h, &key, &[lists::append(&unique, "l", Value::from(v))])
            .await
            .unwrap();
    }
    assert_eq!(bin(&h, &key, "l").await, Some(as_list!(1, 3, 5)));

    let err = operate(&h, &key, &[lists::append(&unique, "l", Value::from(3))])
        .await
        .unwrap_err();
    assert_eq!(result_code(err), ResultCode::ElementExists);
    let no_fail = ListPolicy::new_with_flags(
        ListOrderType::Ordered,
        [ListWriteFlags::AddUnique, ListWriteFlags::NoFail],
    );
    let record = operate(&h, &key, &[lists::append(&no_fail, "l", Value::from(3))])
        .await
        .unwrap();
    assert_eq!(
        record.bins.get("l"),
        Some(&Value::from(3)),
        "duplicate skipped"
    );

    let err = operate(
        &h,
        &key,
        &[lists::insert(
            &ListPolicy::default(),
            "l",
            0,
            Value::from(0),
        )],
    )
    .await
    .unwrap_err();
    assert_eq!(
        result_code(err),
        ResultCode::OpNotApplicable,
        "no positional insert into ordered lists"
    );
    let err = operate(
        &h,
        &key,
        &[lists::get_by_index("l", 7, ListReturnType::Values)],
    )
    .await
    .unwrap_err();
    assert_eq!(result_code(err), ResultCode::OpNotApplicable);
}

#[tokio::test]
async fn map_operations_follow_server_semantics() {
    let h = common::start().await;
    let key = common::unique_key("cdt");
    let ordered = MapPolicy::new(
        aerospike::operations::maps::MapOrder::KeyOrdered,
        MapWriteMode::Update,
    );
    let items: HashMap<Value, Value> = [("c", 3), ("a", 1), ("b", 2)]
        .into_iter()
        .map(|(k, v)| (Value::from(k), Value::from(v)))
        .collect();
    let record = operate(&h, &key, &[maps::put_items(&ordered, "m", items)])
        .await
        .unwrap();
    assert_eq!(record.bins.get("m"), Some(&Value::from(3)));

    let reads = [
        (maps::size("m"), Value::from(3)),
        (
            maps::get_by_key("m", Value::from("b"), MapReturnType::Value),
            Value::from(2),
        ),
        (
            maps::get_by_index("m", 0, MapReturnType::Key),
            Value::from("a"),
        ),
        (
            maps::get_by_rank("m", -1, MapReturnType::Key),
            Value::from("c"),
        ),
        (
            maps::get_by_index_range("m", 1, 2, MapReturnType::Key),
            as_list!("b", "c"),
        ),
        (
            maps::get_by_key_list(
                "m",
                vec![Value::from("a"), Value::from("c")],
                MapReturnType::Value,
            ),
            as_list!(1, 3),
        ),
        (
            maps::get_by_value_range("m", Value::from(2), Value::from(9), MapReturnType::Count),
            Value::from(2),
        ),
    ];
    for (op, want) in reads {
        let record = operate(&h, &key, &[op]).await.unwrap();
        assert_eq!(record.bins.get("m"), Some(&want));
    }

    let record = operate(
        &h,
        &key,
        &[maps::get_by_key(
            "m",
            Value::from("z"),
            MapReturnType::Value,
        )],
    )
    .await
    .unwrap();
    assert!(
        matches!(record.bins.get("m"), None | Some(Value::Nil)),
        "a missing key has no value"
    );

    let record = operate(
        &h,
        &key,
        &[maps::increment_value(
            &ordered,
            "m",
            Value::from("a"),
            Value::from(10),
        )],
    )
    .await
    .unwrap();
    assert_eq!(record.bins.get("m"), Some(&Value::from(11)));
    let record = operate(
        &h,
        &key,
        &[maps::remove_by_key(
            "m",
            Value::from("b"),
            MapReturnType::Value,
        )],
    )
    .await
    .unwrap();
    assert_eq!(record.bins.get("m"), Some(&Value::from(2)));
    assert_eq!(
        bin(&h, &key, "m").await,
        Some(as_ord_map!("a" => 11, "c" => 3)),
        "a key-ordered map comes back ordered"
    );
}

#[tokio::test]
async fn map_write_modes_report_element_codes() {
    let h = common::start().await;
    let key = common::unique_key("cdt");
    let order = aerospike::operations::maps::MapOrder::Unordered;
    operate(
        &h,
        &key,
        &[maps::put(
            &MapPolicy::default(),
            "m",
            Value::from("k"),
            Value::from(1),
        )],
    )
    .await
    .unwrap();
    let create_only = MapPolicy::new(order, MapWriteMode::CreateOnly);
    let err = operate(
        &h,
        &key,
        &[maps::put(
            &create_only,
            "m",
            Value::from("k"),
            Value::from(2),
        )],
    )
    .await
    .unwrap_err();
    assert_eq!(result_code(err), ResultCode::ElementExists);
    let update_only = MapPolicy::new(order, MapWriteMode::UpdateOnly);
    let err = operate(
        &h,
        &key,
        &[maps::put(
            &update_only,
            "m",
            Value::from("new"),
            Value::from(2),
        )],
    )
    .await
    .unwrap_err();
    assert_eq!(result_code(err), ResultCode::ElementNotFound);
    assert_eq!(bin(&h, &key, "m").await, Some(as_map!("k" => 1)));
}

#[tokio::test]
async fn contexts_reach_and_create_nested_levels() {
    let h = common::start().await;
    let key = common::unique_key("cdt");
    let order = aerospike::operations::maps::MapOrder::KeyOrdered;
    let ctx = vec![ctx_map_key_create(Value::from("profile"), order)];
    operate(
        &h,
        &key,
        &[maps::put(
            &MapPolicy::default(),
            "doc",
            Value::from("tags"),
            as_list!("x"),
        )
        .context(ctx)],
    )
    .await
    .unwrap();
    let tags = vec![
        ctx_map_key(Value::from("profile")),
        ctx_map_key(Value::from("tags")),
    ];
    let record = operate(
        &h,
        &key,
        &[lists::append(&ListPolicy::default(), "doc", Value::from("y")).context(tags.clone())],
    )
    .await
    .unwrap();
    assert_eq!(record.bins.get("doc"), Some(&Value::from(2)));
    let record = operate(
        &h,
        &key,
        &[lists::get_by_index("doc", -1, ListReturnType::Values).context(tags)],
    )
    .await
    .unwrap();
    assert_eq!(record.bins.get("doc"), Some(&Value::from("y")));

    let missing = vec![ctx_map_key(Value::from("nope")), ctx_list_index(0)];
    let err = operate(&h, &key, &[lists::size("doc").context(missing)])
        .await
        .unwrap_err();
    assert_eq!(result_code(err), ResultCode::OpNotApplicable);
}

#[tokio::test]
async fn failing_ops_leave_the_record_unchanged() {
    let h = common::start().await;
    let key = common::unique_key("cdt");
    h.client
        .put(
            &WritePolicy::default(),
            &key,
            &[as_bin!("n", 1), as_bin!("l", as_list!(1))],
        )
        .await
        .unwrap();
    let err = operate(
        &h,
        &key,
        &[lists::append(&ListPolicy::default(), "n", Value::from(2))],
    )
    .await
    .unwrap_err();
    assert_eq!(result_code(err), ResultCode::BinTypeError);
    let err = operate(
        &h,
        &key,
        &[
            lists::append(&ListPolicy::default(), "l", Value::from(2)),
            lists::pop("l", 10),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(result_code(err), ResultCode::OpNotApplicable);
    assert_eq!(
        bin(&h, &key, "l").await,
        Some(as_list!(1)),
        "the append was rolled back"
    );

    // A CDT read of a missing bin reports nothing.
    let record = operate(&h, &key, &[lists::size("absent")]).await.unwrap();
    assert_eq!(record.bins.get("absent"), None);
}

#[tokio::test]
async fn a_cluster_serves_cdt_ops_on_every_node() {
    let cluster = Cluster::start(ClusterConfig {
        nodes: 2,
        ..ClusterConfig::default()
    })
    .await
    .unwrap();
    let client = common::connect(&cluster).await;
    for n in 0..20 {
        let key = common::unique_key("cdt");
        let policy = ListPolicy::default();
        let record = client
            .operate(
                &WritePolicy::default(),
                &key,
                &[lists::append(&policy, "l", Value::from(n))],
            )
            .await
            .unwrap();
        assert_eq!(record.bins.get("l"), Some(&Value::from(1)));
    }
}

#[tokio::test]
async fn create_helpers_set_the_order_of_new_levels() {
    let h = common::start().await;
    let key = common::unique_key("cdt");
    let policy = ListPolicy::default();
    operate(
        &h,
        &key,
        &[lists::create("l", ListOrderType::Ordered, false)],
    )
    .await
    .unwrap();
    for v in [3, 1, 2] {
        operate(&h, &key, &[lists::append(&policy, "l", Value::from(v))])
            .await
            .unwrap();
    }
    assert_eq!(bin(&h, &key, "l").await, Some(as_list!(1, 2, 3)));

    let order = aerospike::operations::maps::MapOrder::KeyOrdered;
    let inner = vec![ctx_map_key_create(Value::from("inner"), order)];
    operate(&h, &key, &[maps::create("doc", order, inner.clone())])
        .await
        .unwrap();
    let items: HashMap<Value, Value> = [("z", 1), ("y", 2)]
        .into_iter()
        .map(|(k, v)| (Value::from(k), Value::from(v)))
        .collect();
    operate(
        &h,
        &key,
        &[maps::put_items(&MapPolicy::default(), "doc", items).context(inner)],
    )
    .await
    .unwrap();
    // The create step's order applies to the map it looks into (the missing bin); the create
    // op orders the level it made.
    assert_eq!(
        bin(&h, &key, "doc").await,
        Some(as_ord_map!("inner" => as_ord_map!("y" => 2, "z" => 1)))
    );
}

#[tokio::test]
async fn hostile_context_depth_is_a_parameter_error() {
    // The real server follows and creates a path of any length; the dev server recurses per
    // level, so it refuses a path deeper than it reads values from the wire.
    let h = common::start().await;
    let key = common::unique_key("cdt");
    let level = ctx_list_index_create(0, ListOrderType::Unordered, false);
    let append = |steps: usize| {
        lists::append(&ListPolicy::default(), "l", Value::from(1))
            .context(vec![level.clone(); steps])
    };
    let err = operate(&h, &key, &[append(100_000)]).await.unwrap_err();
    assert_eq!(result_code(err), ResultCode::ParameterError);

    // Nor may a path within bounds stack a value deeper than that onto a deep one: 400 levels,
    // then 112 more under the deepest (512 steps).
    operate(&h, &key, &[append(400)]).await.unwrap();
    let path = [
        vec![ctx_list_index(0); 400],
        vec![ctx_list_index_create(1, ListOrderType::Unordered, false)],
        vec![level.clone(); 111],
    ]
    .concat();
    let deeper = lists::append(&ListPolicy::default(), "l", Value::from(1)).context(path);
    let err = operate(&h, &key, &[deeper]).await.unwrap_err();
    assert_eq!(result_code(err), ResultCode::ParameterError);
    let record = h.client.get(&ReadPolicy::default(), &key, Bins::All).await;
    assert!(record.is_ok(), "the server still answers");
}
