//! Single-record commands driven by the Rust `aerospike` crate.

mod common;

use aerospike::{as_bin, Bins, ReadPolicy, Value, WritePolicy};

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
}
