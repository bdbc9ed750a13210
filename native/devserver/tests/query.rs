//! Scans, queries, secondary indexes and background jobs (§3.9) driven by the Rust `aerospike`
//! crate: partition filters, resume, max-records paging, projection, filter expressions.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use aerospike::expressions::{eq, ge, int_bin, int_val};
use aerospike::operations::{self, Operation};
use aerospike::query::{PartitionFilter, Statement};
use aerospike::task::{Status, Task};
use aerospike::{
    as_bin, AdminPolicy, Bins, Client, CollectionIndexType, IndexType, Key, QueryPolicy,
    ReadPolicy, Record, Value, WritePolicy,
};
use futures::StreamExt;

/// Writes records with i = 0..n (and s = "v{i % 3}") to `set`, each with its user key.
async fn seed(client: &Client, set: &str, n: i64) -> Vec<Key> {
    let policy = WritePolicy {
        send_key: true,
        ..WritePolicy::default()
    };
    let mut keys = Vec::new();
    for i in 0..n {
        let key = Key::new(common::NAMESPACE, set, Value::from(i)).unwrap();
        let bins = [as_bin!("i", i), as_bin!("s", format!("v{}", i % 3))];
        client.put(&policy, &key, &bins).await.unwrap();
        keys.push(key);
    }
    keys
}

async fn run(
    client: &Client,
    policy: &QueryPolicy,
    filter: PartitionFilter,
    statement: Statement,
) -> (Vec<Record>, Option<PartitionFilter>) {
    let recordset = client.query(policy, filter, statement).await.unwrap();
    let records: Vec<Record> = recordset
        .clone()
        .into_stream()
        .map(|r| r.expect("records stream without errors"))
        .collect()
        .await;
    (records, recordset.partition_filter().await)
}

/// Every record of a query over all partitions, with the default policy.
async fn run_all(client: &Client, statement: Statement) -> Vec<Record> {
    run(
        client,
        &QueryPolicy::default(),
        PartitionFilter::all(),
        statement,
    )
    .await
    .0
}

/// Pages through `statement` with `max_records` per call until the cursor is done; returns the
/// sorted values of bin `i` seen and the number of pages.
async fn page_through(
    client: &Client,
    max_records: u64,
    statement: &Statement,
) -> (Vec<i64>, usize) {
    let policy = QueryPolicy {
        max_records,
        ..QueryPolicy::default()
    };
    let mut cursor = PartitionFilter::all();
    let mut seen = Vec::new();
    for pages in 1..=30 {
        let (records, next) = run(client, &policy, cursor, statement.clone()).await;
        assert!(
            records.len() as u64 <= max_records,
            "page of {}",
            records.len()
        );
        seen.extend(values_of(&records, "i"));
        cursor = next.expect("the cursor is handed back");
        if cursor.done() {
            seen.sort_unstable();
            return (seen, pages);
        }
    }
    panic!("paging did not finish in 30 pages");
}

fn values_of(records: &[Record], bin: &str) -> Vec<i64> {
    let mut values: Vec<i64> = records
        .iter()
        .map(|r| match r.bins.get(bin) {
            Some(Value::Int(v)) => *v,
            other => panic!("bin {bin} is {other:?}"),
        })
        .collect();
    values.sort_unstable();
    values
}

#[tokio::test]
async fn scans_return_every_record_of_the_set_with_keys() {
    let h = common::start().await;
    seed(&h.client, "scan_all", 50).await;
    seed(&h.client, "scan_other", 5).await;
    let statement = Statement::new(common::NAMESPACE, "scan_all", Bins::All);
    let records = run_all(&h.client, statement).await;
    assert_eq!(values_of(&records, "i"), (0..50).collect::<Vec<_>>());
    for record in &records {
        let key = record.key.as_ref().unwrap();
        assert_eq!(key.set_name, "scan_all");
        assert_eq!(key.user_key, record.bins.get("i").cloned());
        assert_eq!(record.generation, 1);
    }

    // No set: the whole namespace.
    let statement = Statement::new(common::NAMESPACE, "", Bins::None);
    let records = run_all(&h.client, statement).await;
    assert_eq!(records.len(), 55);
    assert!(records.iter().all(|r| r.bins.is_empty()));
}

#[tokio::test]
async fn projections_skip_records_without_the_bins() {
    let h = common::start().await;
    seed(&h.client, "scan_projection", 4).await;
    let key = Key::new(common::NAMESPACE, "scan_projection", Value::from("other")).unwrap();
    h.client
        .put(&WritePolicy::default(), &key, &[as_bin!("z", 1)])
        .await
        .unwrap();
    let statement = Statement::new(common::NAMESPACE, "scan_projection", Bins::from(["s"]));
    let records = run_all(&h.client, statement).await;
    assert_eq!(records.len(), 4, "the record without bin s is not sent");
    assert!(records
        .iter()
        .all(|r| r.bins.len() == 1 && r.bins.contains_key("s")));
}

#[tokio::test]
async fn partition_ranges_only_return_their_partitions() {
    let h = common::start().await;
    let keys = seed(&h.client, "scan_range", 200).await;
    let (begin, count) = (1000, 1500);
    let statement = Statement::new(common::NAMESPACE, "scan_range", Bins::All);
    let (records, _) = run(
        &h.client,
        &QueryPolicy::default(),
        PartitionFilter::by_range(begin, count),
        statement,
    )
    .await;
    let expected: HashSet<i64> = keys
        .iter()
        .filter(|k| (begin..begin + count).contains(&k.partition_id()))
        .map(|k| match k.user_key {
            Some(Value::Int(i)) => i,
            _ => unreachable!(),
        })
        .collect();
    assert!(!expected.is_empty());
    let got: HashSet<i64> = values_of(&records, "i").into_iter().collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn max_records_pages_return_every_record_exactly_once() {
    let h = common::start().await;
    seed(&h.client, "scan_pages", 95).await;
    let statement = Statement::new(common::NAMESPACE, "scan_pages", Bins::All);
    let (seen, pages) = page_through(&h.client, 10, &statement).await;
    assert_eq!(seen, (0..95).collect::<Vec<_>>());
    assert!(pages >= 10);
}

#[tokio::test]
async fn filter_expressions_select_records() {
    let h = common::start().await;
    seed(&h.client, "scan_filter", 30).await;
    let mut policy = QueryPolicy::default();
    policy.base_policy.filter_expression = Some(ge(int_bin("i".into()), int_val(25)));
    let statement = Statement::new(common::NAMESPACE, "scan_filter", Bins::All);
    let (records, _) = run(&h.client, &policy, PartitionFilter::all(), statement).await;
    assert_eq!(values_of(&records, "i"), [25, 26, 27, 28, 29]);
}

/// Checks that the server refuses `statement` for want of a serving index (rc 201).
async fn assert_index_not_found(client: &Client, statement: Statement) {
    let recordset = client
        .query(&QueryPolicy::default(), PartitionFilter::all(), statement)
        .await
        .unwrap();
    let first = recordset.into_stream().next().await;
    assert!(
        matches!(
            first,
            Some(Err(aerospike::Error::ServerError(
                aerospike::ResultCode::IndexNotFound,
                ..
            )))
        ),
        "expected IndexNotFound, got {first:?}"
    );
}

/// Runs `ops` as a background job over every record of `set` and waits for it to finish.
async fn operate_all(client: &Client, policy: &WritePolicy, set: &str, ops: &[Operation]) {
    let statement = Statement::new(common::NAMESPACE, set, Bins::All);
    completes(client.query_operate(policy, statement, ops).await.unwrap()).await;
}

/// The records at `keys`, read one by one.
async fn read_all(client: &Client, keys: &[Key]) -> Vec<Record> {
    let mut records = Vec::new();
    for key in keys {
        records.push(
            client
                .get(&ReadPolicy::default(), key, Bins::All)
                .await
                .unwrap(),
        );
    }
    records
}

/// Waits for an index or background task and checks that it completed.
async fn completes(task: impl Task + Sync) {
    let status = task
        .wait_till_complete(Some(Duration::from_secs(5)))
        .await
        .unwrap();
    assert!(matches!(status, Status::Complete));
}

async fn create_index(
    client: &Client,
    set: &str,
    (bin, name): (&str, &str),
    kind: IndexType,
    collection: CollectionIndexType,
) {
    let task = client
        .create_index_on_bin(
            &AdminPolicy::default(),
            common::NAMESPACE,
            set,
            bin,
            name,
            kind,
            collection,
            None,
        )
        .await
        .unwrap();
    completes(task).await;
}

#[tokio::test]
async fn secondary_index_queries_match_ranges_and_equality() {
    use aerospike::query::Filter;

    let h = common::start().await;
    let set = "sindex_query";
    seed(&h.client, set, 40).await;
    let mut statement = Statement::new(common::NAMESPACE, set, Bins::All);
    statement.add_filter(Filter::range("i", 10, 14));
    assert_index_not_found(&h.client, statement).await;

    create_index(
        &h.client,
        set,
        ("i", "q_idx_i"),
        IndexType::Numeric,
        CollectionIndexType::Default,
    )
    .await;
    create_index(
        &h.client,
        set,
        ("s", "q_idx_s"),
        IndexType::String,
        CollectionIndexType::Default,
    )
    .await;

    let mut statement = Statement::new(common::NAMESPACE, set, Bins::All);
    statement.add_filter(Filter::range("i", 10, 14));
    let records = run_all(&h.client, statement).await;
    assert_eq!(values_of(&records, "i"), [10, 11, 12, 13, 14]);

    let mut statement = Statement::new(common::NAMESPACE, set, Bins::from(["i"]));
    statement.add_filter(Filter::equal("i", 7));
    let records = run_all(&h.client, statement).await;
    assert_eq!(values_of(&records, "i"), [7]);

    let mut statement = Statement::new(common::NAMESPACE, set, Bins::All);
    statement.add_filter(Filter::equal("s", "v1"));
    let mut policy = QueryPolicy::default();
    policy.base_policy.filter_expression = Some(ge(int_bin("i".into()), int_val(30)));
    let (records, _) = run(&h.client, &policy, PartitionFilter::all(), statement).await;
    assert_eq!(values_of(&records, "i"), [31, 34, 37]);

    // Paging an index query with max_records still returns each match once.
    let mut statement = Statement::new(common::NAMESPACE, set, Bins::All);
    statement.add_filter(Filter::range("i", 0, 19));
    let (seen, _) = page_through(&h.client, 4, &statement).await;
    assert_eq!(seen, (0..20).collect::<Vec<_>>());

    h.client
        .drop_index(&AdminPolicy::default(), common::NAMESPACE, set, "q_idx_i")
        .await
        .map(completes)
        .unwrap()
        .await;
    let mut statement = Statement::new(common::NAMESPACE, set, Bins::All);
    statement.add_filter(Filter::range("i", 10, 14));
    assert_index_not_found(&h.client, statement).await;
}

#[tokio::test]
async fn background_operations_update_every_matching_record() {
    let h = common::start().await;
    let set = "background_ops";
    let keys = seed(&h.client, set, 20).await;
    let mut policy = WritePolicy::default();
    policy.base_policy.filter_expression = Some(eq(int_bin("s_len".into()), int_val(0)));
    // A filter on a missing bin matches nothing: no record may change.
    operate_all(
        &h.client,
        &policy,
        set,
        &[operations::put(&as_bin!("x", 1))],
    )
    .await;
    let ops = [
        operations::add(&as_bin!("i", 100)),
        operations::put(&as_bin!("done", true)),
    ];
    operate_all(&h.client, &WritePolicy::default(), set, &ops).await;
    for (i, record) in read_all(&h.client, &keys).await.iter().enumerate() {
        assert_eq!(record.bins.get("i"), Some(&Value::from(i as i64 + 100)));
        assert_eq!(record.bins.get("done"), Some(&Value::from(true)));
        assert!(!record.bins.contains_key("x"));
        assert_eq!(record.generation, 2);
    }
}

#[tokio::test]
async fn collection_indexes_match_list_items_and_map_keys() {
    use aerospike::query::Filter;
    use aerospike::{as_list, as_map, as_val};

    let h = common::start().await;
    let set = "sindex_collections";
    for i in 0..6i64 {
        let key = Key::new(common::NAMESPACE, set, Value::from(i)).unwrap();
        let bins = [
            as_bin!("i", i),
            as_bin!("l", as_list!(i, i + 10)),
            as_bin!("m", as_map!(format!("k{i}") => i)),
        ];
        h.client
            .put(&WritePolicy::default(), &key, &bins)
            .await
            .unwrap();
    }
    for (bin, name, kind, collection) in [
        (
            "l",
            "q_idx_l",
            IndexType::Numeric,
            CollectionIndexType::List,
        ),
        (
            "m",
            "q_idx_mk",
            IndexType::String,
            CollectionIndexType::MapKeys,
        ),
    ] {
        create_index(&h.client, set, (bin, name), kind, collection).await;
    }
    let query = |filter: Filter| {
        let mut statement = Statement::new(common::NAMESPACE, set, Bins::All);
        statement.add_filter(filter);
        run_all(&h.client, statement)
    };
    let records = query(Filter::contains("l", 13, CollectionIndexType::List)).await;
    assert_eq!(values_of(&records, "i"), [3]);
    let records = query(Filter::contains_range(
        "l",
        4,
        11,
        CollectionIndexType::List,
    ))
    .await;
    assert_eq!(values_of(&records, "i"), [0, 1, 4, 5]);
    let records = query(Filter::contains("m", "k2", CollectionIndexType::MapKeys)).await;
    assert_eq!(values_of(&records, "i"), [2]);
    // A list index does not serve default-collection queries on the same bin.
    let mut statement = Statement::new(common::NAMESPACE, set, Bins::All);
    statement.add_filter(Filter::equal("l", 3));
    assert_index_not_found(&h.client, statement).await;
}

#[tokio::test]
async fn a_three_node_cluster_scans_and_updates_each_record_once() {
    let h = common::start_with(aerospike_devserver::ClusterConfig {
        nodes: 3,
        ..aerospike_devserver::ClusterConfig::default()
    })
    .await;
    assert_eq!(h.client.nodes().len(), 3, "the client routes to every node");
    let set = "cluster_scan";
    let keys = seed(&h.client, set, 90).await;

    let records = run_all(&h.client, Statement::new(common::NAMESPACE, set, Bins::All)).await;
    assert_eq!(values_of(&records, "i"), (0..90).collect::<Vec<_>>());

    let statement = Statement::new(common::NAMESPACE, set, Bins::All);
    let (seen, _) = page_through(&h.client, 20, &statement).await;
    assert_eq!(seen, (0..90).collect::<Vec<_>>());

    // Every node runs the job over the partitions it owns: each record is updated once.
    let ops = [operations::add(&as_bin!("i", 1))];
    operate_all(&h.client, &WritePolicy::default(), set, &ops).await;
    for (i, record) in read_all(&h.client, &keys).await.iter().enumerate() {
        assert_eq!(record.bins.get("i"), Some(&Value::from(i as i64 + 1)));
    }
}
