//! One keep-alive HTTP/1.1 connection sending scheduled requests one after another.
//!
//! A connection that fails or times out is replaced by a new one; the failure is recorded
//! under its own name, with its latency from the intended time like any answer.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::{sleep_until, timeout, Instant};

use crate::mix::Mix;
use crate::report::{Outcomes, CONNECTION_ERROR, TIMEOUT, UNSENT};
use crate::schedule::Schedule;

/// Pause before reconnecting after a failed connect, so a dead server is not spun on.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);
/// Tokio's timer fires on whole milliseconds, up to one after the instant asked for: waking
/// this much early keeps requests on time. One that leaves early counts from when it left.
const TIMER_SLACK: Duration = Duration::from_millis(1);

pub type Sender = SendRequest<Full<Bytes>>;

/// Opens one connection within `limit`.
pub async fn connect(address: &str, limit: Duration) -> Result<Sender, String> {
    let stream = timeout(limit, TcpStream::connect(address))
        .await
        .map_err(|_| format!("connecting to {address} took more than {limit:?}"))?
        .map_err(|error| format!("cannot connect to {address}: {error}"))?;
    stream
        .set_nodelay(true)
        .map_err(|error| format!("TCP_NODELAY on {address}: {error}"))?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("HTTP handshake with {address}: {error}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// What every connection shares.
pub struct Plan {
    pub schedule: Schedule,
    pub mix: Mix,
    pub address: String,
    pub request_timeout: Duration,
}

/// Sends claimed requests until the schedule is done or the send deadline passed.
pub async fn drive(plan: Arc<Plan>, first: Sender, seed: u64) -> (Outcomes, u64) {
    let mut outcomes = Outcomes::new();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut sender = Some(first);
    let mut sent = 0u64;
    while let Some(index) = plan.schedule.claim() {
        let intended = plan.schedule.intended(index);
        sleep_until(intended - TIMER_SLACK.min(intended - plan.schedule.start())).await;
        if Instant::now() > plan.schedule.send_deadline() {
            outcomes.record(UNSENT, plan.schedule.send_deadline() - intended);
            break;
        }
        let connected = match sender.take() {
            Some(open) if !open.is_closed() => Some(open),
            _ => connect(&plan.address, plan.request_timeout).await.ok(),
        };
        let Some(mut connected) = connected else {
            outcomes.record(CONNECTION_ERROR, intended.elapsed());
            tokio::time::sleep(RECONNECT_PAUSE).await;
            continue;
        };
        let sent_at = Instant::now();
        outcomes.record_lateness(sent_at.saturating_duration_since(intended));
        let counted_from = sent_at.min(intended);
        sent += 1;
        let request = plan.mix.pick(&mut rng);
        match timeout(plan.request_timeout, exchange(&mut connected, request)).await {
            Ok(Ok(status)) => {
                outcomes.record(status.as_str(), counted_from.elapsed());
                sender = Some(connected);
            }
            Ok(Err(())) => outcomes.record(CONNECTION_ERROR, counted_from.elapsed()),
            Err(_) => outcomes.record(TIMEOUT, counted_from.elapsed()),
        }
    }
    (outcomes, sent)
}

/// Sends one request and reads the whole answer, so the connection can be reused.
async fn exchange(
    sender: &mut Sender,
    request: hyper::Request<Full<Bytes>>,
) -> Result<hyper::StatusCode, ()> {
    sender.ready().await.map_err(|_| ())?;
    let response = sender.send_request(request).await.map_err(|_| ())?;
    let status = response.status();
    response.into_body().collect().await.map_err(|_| ())?;
    Ok(status)
}
