//! Fault injection observed by the Rust `aerospike` crate: delays and stalls time commands out,
//! injected result codes arrive as server errors, closed connections are recovered.

mod common;

use std::time::Duration;

use aerospike::{as_bin, Bins, ReadPolicy, ResultCode, WritePolicy};
use aerospike_devserver::faults::{CommandClass, Commands, Fault, FaultAction};

fn short_read() -> ReadPolicy {
    let mut policy = ReadPolicy::default();
    policy.base_policy.total_timeout = 150;
    policy.base_policy.max_retries = 0;
    policy
}

fn short_write() -> WritePolicy {
    let mut policy = WritePolicy::default();
    policy.base_policy.total_timeout = 150;
    policy.base_policy.max_retries = 0;
    policy
}

fn everywhere(action: FaultAction, commands: Commands) -> Fault {
    Fault {
        action,
        commands,
        node: None,
    }
}

fn is_timeout<T>(result: &aerospike::Result<T>) -> bool {
    matches!(
        result,
        Err(aerospike::Error::Timeout(..))
            | Err(aerospike::Error::ServerError(ResultCode::Timeout, _, _))
    )
}

#[tokio::test]
async fn a_delay_times_out_short_reads_until_cleared() {
    let h = common::start().await;
    let key = common::unique_key("faults");
    h.client
        .put(&WritePolicy::default(), &key, &[as_bin!("a", 1)])
        .await
        .unwrap();
    h.cluster.faults().add(everywhere(
        FaultAction::Delay(Duration::from_millis(400)),
        Commands::of(&[CommandClass::Read]),
    ));
    let slow = h.client.get(&short_read(), &key, Bins::All).await;
    assert!(is_timeout(&slow), "got {slow:?}");
    h.client
        .put(&short_write(), &key, &[as_bin!("a", 2)])
        .await
        .expect("writes are not delayed");
    h.cluster.faults().clear(None);
    let record = h.client.get(&short_read(), &key, Bins::All).await.unwrap();
    assert_eq!(record.bins["a"], aerospike::Value::from(2));
}

#[tokio::test]
async fn injected_result_codes_arrive_for_the_next_commands_only() {
    let h = common::start().await;
    let key = common::unique_key("faults");
    h.cluster.faults().add(everywhere(
        FaultAction::Fail {
            count: 2,
            result_code: 18,
        },
        Commands::DATA,
    ));
    for _ in 0..2 {
        let failed = h
            .client
            .put(&WritePolicy::default(), &key, &[as_bin!("a", 1)])
            .await;
        assert_eq!(common::server_rc(failed), ResultCode::DeviceOverload);
    }
    h.client
        .put(&WritePolicy::default(), &key, &[as_bin!("a", 3)])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_stalled_command_is_dropped_when_its_client_gives_up() {
    let h = common::start().await;
    let key = common::unique_key("faults");
    h.client
        .put(&WritePolicy::default(), &key, &[as_bin!("a", 1)])
        .await
        .unwrap();
    h.cluster
        .faults()
        .add(everywhere(FaultAction::Stall, Commands::DATA));
    let stalled = h.client.put(&short_write(), &key, &[as_bin!("a", 2)]).await;
    assert!(is_timeout(&stalled), "got {stalled:?}");
    // The client closed its connection: the held write never runs.
    tokio::time::sleep(Duration::from_millis(100)).await;
    h.cluster.faults().clear(None);
    let record = h.client.get(&short_read(), &key, Bins::All).await.unwrap();
    assert_eq!(record.bins["a"], aerospike::Value::from(1));
}

#[tokio::test]
async fn dropped_connections_are_replaced_by_the_client() {
    let h = common::start().await;
    let key = common::unique_key("faults");
    h.client
        .put(&WritePolicy::default(), &key, &[as_bin!("a", 1)])
        .await
        .unwrap();
    h.cluster.faults().drop_connections(None).await;
    let record = h
        .client
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(record.bins["a"], aerospike::Value::from(1));
}
