//! Batch commands (§3.8) driven by the Rust `aerospike` crate: read, exists, write, delete and
//! operate rows, repeated rows, per-row results and filter expressions.

mod common;

use aerospike::expressions::{eq, int_bin, int_val};
use aerospike::operations;
use aerospike::{
    as_bin, BatchDeletePolicy, BatchOperation, BatchPolicy, BatchReadPolicy, BatchRecord,
    BatchWritePolicy, Bins, Key, ReadPolicy, RecordExistsAction, ResultCode, Value, WritePolicy,
};

const SET: &str = "batch";

async fn put_numbered(h: &common::Harness, n: i64) -> Vec<Key> {
    let mut keys = Vec::new();
    for i in 0..n {
        let key = common::unique_key(SET);
        let bins = [as_bin!("i", i), as_bin!("s", format!("v{i}"))];
        h.client
            .put(&WritePolicy::default(), &key, &bins)
            .await
            .unwrap();
        keys.push(key);
    }
    keys
}

fn bin<'r>(record: &'r BatchRecord, name: &str) -> Option<&'r Value> {
    record.record.as_ref().and_then(|r| r.bins.get(name))
}

#[tokio::test]
async fn batch_reads_return_each_row_in_order() {
    let h = common::start().await;
    let keys = put_numbered(&h, 3).await;
    let missing = common::unique_key(SET);
    let read = BatchReadPolicy::default();
    let ops = vec![
        BatchOperation::read(&read, keys[0].clone(), Bins::All),
        BatchOperation::read(&read, missing.clone(), Bins::All),
        BatchOperation::read(&read, keys[1].clone(), Bins::from(["s"])),
        BatchOperation::read(&read, keys[2].clone(), Bins::None),
        BatchOperation::read_ops(&read, keys[2].clone(), vec![operations::get_bin("i")]),
    ];
    let results = h.client.batch(&BatchPolicy::default(), &ops).await.unwrap();
    assert_eq!(results.len(), 5);

    assert_eq!(results[0].result_code, Some(ResultCode::Ok));
    assert_eq!(bin(&results[0], "i"), Some(&Value::from(0)));
    assert_eq!(bin(&results[0], "s"), Some(&Value::from("v0")));
    assert_eq!(results[0].record.as_ref().unwrap().generation, 1);

    assert_eq!(results[1].result_code, Some(ResultCode::KeyNotFoundError));
    assert!(results[1].record.is_none());

    let named = results[2].record.as_ref().unwrap();
    assert_eq!(named.bins.len(), 1, "only the named bin: {:?}", named.bins);
    assert_eq!(bin(&results[2], "s"), Some(&Value::from("v1")));

    let header = results[3].record.as_ref().unwrap();
    assert!(header.bins.is_empty());
    assert_eq!(header.generation, 1);

    assert_eq!(bin(&results[4], "i"), Some(&Value::from(2)));
}

#[tokio::test]
async fn many_identical_rows_repeat_and_all_come_back() {
    let h = common::start().await;
    let keys = put_numbered(&h, 300).await;
    let read = BatchReadPolicy::default();
    // Identical consecutive rows are sent as REPEAT rows by the client.
    let ops: Vec<_> = keys
        .iter()
        .map(|k| BatchOperation::read(&read, k.clone(), Bins::from(["i"])))
        .collect();
    let results = h.client.batch(&BatchPolicy::default(), &ops).await.unwrap();
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result.result_code, Some(ResultCode::Ok), "row {i}");
        assert_eq!(bin(result, "i"), Some(&Value::from(i as i64)), "row {i}");
    }
}

#[tokio::test]
async fn batch_writes_deletes_and_operations_change_the_store() {
    let h = common::start().await;
    let keys = put_numbered(&h, 3).await;
    let fresh = common::unique_key(SET);
    let write = BatchWritePolicy::default();
    let create_only = BatchWritePolicy {
        record_exists_action: RecordExistsAction::CreateOnly,
        ..BatchWritePolicy::default()
    };
    let ops = vec![
        BatchOperation::write(
            &write,
            fresh.clone(),
            vec![operations::put(&as_bin!("n", 7))],
        ),
        BatchOperation::delete(&BatchDeletePolicy::default(), keys[0].clone()),
        BatchOperation::write(
            &write,
            keys[1].clone(),
            vec![operations::add(&as_bin!("i", 10)), operations::get_bin("i")],
        ),
        BatchOperation::write(
            &create_only,
            keys[2].clone(),
            vec![operations::put(&as_bin!("x", 1))],
        ),
    ];
    let results = h.client.batch(&BatchPolicy::default(), &ops).await.unwrap();
    let codes: Vec<_> = results.iter().map(|r| r.result_code).collect();
    assert_eq!(
        codes,
        [
            Some(ResultCode::Ok),
            Some(ResultCode::Ok),
            Some(ResultCode::Ok),
            Some(ResultCode::KeyExistsError)
        ]
    );
    // Batch writes always ask for every op's result: the add answers nil, the read 11.
    assert_eq!(
        bin(&results[2], "i"),
        Some(&Value::MultiResult(vec![Value::Nil, Value::from(11)]))
    );
    assert_eq!(results[2].record.as_ref().unwrap().generation, 2);

    let read = ReadPolicy::default();
    let created = h.client.get(&read, &fresh, Bins::All).await.unwrap();
    assert_eq!(created.bins.get("n"), Some(&Value::from(7)));
    assert!(!h.client.exists(&read, &keys[0]).await.unwrap());
    let untouched = h.client.get(&read, &keys[2], Bins::All).await.unwrap();
    assert!(!untouched.bins.contains_key("x"));
    assert_eq!(untouched.generation, 1);
}

#[tokio::test]
async fn filter_expressions_apply_per_row_and_from_the_parent() {
    let h = common::start().await;
    let keys = put_numbered(&h, 3).await;
    let row_filtered = BatchReadPolicy {
        filter_expression: Some(eq(int_bin("i".into()), int_val(1))),
        ..BatchReadPolicy::default()
    };
    let plain = BatchReadPolicy::default();
    let ops = vec![
        BatchOperation::read(&row_filtered, keys[0].clone(), Bins::All),
        BatchOperation::read(&row_filtered, keys[1].clone(), Bins::All),
        BatchOperation::read(&plain, keys[2].clone(), Bins::All),
    ];
    let results = h.client.batch(&BatchPolicy::default(), &ops).await.unwrap();
    assert_eq!(results[0].result_code, Some(ResultCode::FilteredOut));
    assert!(results[0].record.is_none());
    assert_eq!(results[1].result_code, Some(ResultCode::Ok));
    assert_eq!(results[2].result_code, Some(ResultCode::Ok));

    // The parent filter applies to rows without their own.
    let parent = BatchPolicy {
        filter_expression: Some(eq(int_bin("i".into()), int_val(2))),
        ..BatchPolicy::default()
    };
    let ops: Vec<_> = keys
        .iter()
        .map(|k| BatchOperation::read(&plain, k.clone(), Bins::All))
        .collect();
    let results = h.client.batch(&parent, &ops).await.unwrap();
    let codes: Vec<_> = results.iter().map(|r| r.result_code).collect();
    assert_eq!(
        codes,
        [
            Some(ResultCode::FilteredOut),
            Some(ResultCode::FilteredOut),
            Some(ResultCode::Ok)
        ]
    );
}

#[tokio::test]
async fn a_failing_row_stops_no_other_row_even_without_respond_all_keys() {
    let h = common::start().await;
    let write = BatchWritePolicy::default();
    let rows = |keys: &[Key]| {
        vec![
            BatchOperation::write(
                &write,
                keys[0].clone(),
                vec![operations::put(&as_bin!("a", 1))],
            ),
            BatchOperation::write(
                &write,
                keys[1].clone(),
                vec![operations::put(&as_bin!("sixteen_chars_xx", 1))],
            ),
            BatchOperation::write(
                &write,
                keys[2].clone(),
                vec![operations::put(&as_bin!("a", 3))],
            ),
        ]
    };
    let read = ReadPolicy::default();

    let keys: Vec<Key> = (0..3).map(|_| common::unique_key(SET)).collect();
    let results = h
        .client
        .batch(&BatchPolicy::default(), &rows(&keys))
        .await
        .unwrap();
    let codes: Vec<_> = results.iter().map(|r| r.result_code).collect();
    assert_eq!(
        codes,
        [
            Some(ResultCode::Ok),
            Some(ResultCode::BinNameTooLong),
            Some(ResultCode::Ok)
        ]
    );
    assert!(h.client.exists(&read, &keys[2]).await.unwrap());

    let keys: Vec<Key> = (0..3).map(|_| common::unique_key(SET)).collect();
    let without_respond_all = BatchPolicy {
        respond_all_keys: false,
        ..BatchPolicy::default()
    };
    let results = h
        .client
        .batch(&without_respond_all, &rows(&keys))
        .await
        .unwrap();
    // The closing marker repeats the first error (under row index 0, as the server sends it).
    assert_eq!(results[1].result_code, Some(ResultCode::BinNameTooLong));
    assert_eq!(results[2].result_code, Some(ResultCode::Ok));
    assert!(h.client.exists(&read, &keys[0]).await.unwrap());
    assert!(h.client.exists(&read, &keys[2]).await.unwrap());
}
