//! The network side of a node: accept connections, then per connection a strict
//! request/response loop. Idle connections are reaped only once `proto-fd-idle-ms` is set, as a
//! real server's reaper does (clients pool them). A frame that cannot be trusted closes that one
//! connection; nothing a client sends can stop the others.
//! Injected faults ([`crate::faults`]) are applied here, between reading a request and answering.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{self, AbortHandle, JoinSet};
use tokio::time::{self, Duration, Instant, MissedTickBehavior};

use crate::cluster::{ClusterState, NodeCounters, NodeIdentity};
use crate::faults::{CommandClass, DropRequest, Outcome};
use crate::message::{field, info1, info3, Header as MessageHeader, Message, Reply};
use crate::proto::{self, Header, Kind};
use crate::result_code::{ENTERPRISE_ONLY, SECURITY_NOT_ENABLED};
use crate::{batch, command, info, query};

/// Room for a whole typical request, so that header and body arrive in one read.
const READ_BUFFER: usize = 64 * 1024;
/// How often a node looks for connections idle past `proto-fd-idle-ms`, as a server's reaper.
const REAP_EVERY: Duration = Duration::from_millis(50);
/// `Activity::idle_since` while the connection serves a request: never reaped then.
const BUSY: u64 = u64::MAX;

/// When a connection last finished a request, shared with its node's reaper.
#[derive(Clone)]
struct Activity {
    epoch: Instant,
    /// Milliseconds from `epoch`, or `BUSY`.
    idle_since: Arc<AtomicU64>,
}

impl Activity {
    fn new(epoch: Instant) -> Activity {
        let activity = Activity {
            epoch,
            idle_since: Arc::new(AtomicU64::new(0)),
        };
        activity.idle();
        activity
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(BUSY - 1)
    }

    fn idle(&self) {
        self.idle_since.store(self.now(), Ordering::Relaxed);
    }

    fn busy(&self) {
        self.idle_since.store(BUSY, Ordering::Relaxed);
    }

    fn idle_ms(&self) -> u64 {
        self.now()
            .saturating_sub(self.idle_since.load(Ordering::Relaxed))
    }
}

/// An open connection, as its node's reaper sees it.
struct Open {
    handle: AbortHandle,
    activity: Activity,
}

/// Accepts connections until the task is aborted; aborting also drops every connection.
/// `drops` carries requests to close the open connections (fault injection).
pub async fn serve(
    listener: TcpListener,
    mut drops: mpsc::UnboundedReceiver<DropRequest>,
    node: Arc<NodeIdentity>,
    counters: Arc<NodeCounters>,
    state: Arc<ClusterState>,
) {
    let mut connections = JoinSet::new();
    let mut open: HashMap<task::Id, Open> = HashMap::new();
    let epoch = Instant::now();
    let mut reaper = time::interval(REAP_EVERY);
    reaper.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut idle_setting = state.proto_fd_idle_ms.subscribe();
    let mut idle_limit_ms = *idle_setting.borrow_and_update();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                // Accept errors (e.g. out of file descriptors) are transient: keep listening.
                if let Ok((stream, _)) = accepted {
                    counters.connections.fetch_add(1, Ordering::Relaxed);
                    let activity = Activity::new(epoch);
                    let handle = connections.spawn(serve_connection(
                        stream,
                        Arc::clone(&node),
                        Arc::clone(&counters),
                        Arc::clone(&state),
                        activity.clone(),
                    ));
                    open.insert(handle.id(), Open { handle, activity });
                }
            }
            Some(ended) = connections.join_next_with_id(), if !connections.is_empty() => {
                open.remove(&ended.map_or_else(|e| e.id(), |(id, ())| id));
            }
            Some(request) = drops.recv() => {
                for (id, connection) in &open {
                    if Some(*id) != request.except {
                        connection.handle.abort();
                    }
                }
                // Aborted tasks end at once; the one kept open is not waited for.
                let closing = open.len() - usize::from(request.except.is_some_and(|id| open.contains_key(&id)));
                for _ in 0..closing {
                    if let Some(ended) = connections.join_next_with_id().await {
                        open.remove(&ended.map_or_else(|e| e.id(), |(id, ())| id));
                    }
                }
                let _ = request.done.send(());
            }
            Ok(()) = idle_setting.changed() => {
                idle_limit_ms = *idle_setting.borrow_and_update();
            }
            _ = reaper.tick(), if idle_limit_ms > 0 => {
                for connection in open.values() {
                    if connection.activity.idle_ms() > idle_limit_ms {
                        connection.handle.abort();
                    }
                }
            }
        }
    }
}

async fn serve_connection(
    stream: TcpStream,
    node: Arc<NodeIdentity>,
    counters: Arc<NodeCounters>,
    state: Arc<ClusterState>,
    activity: Activity,
) {
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::with_capacity(READ_BUFFER, reader);
    let mut header = [0u8; proto::HEADER_LEN];
    let mut body = Vec::new();
    let mut reply = Vec::new();
    loop {
        activity.idle();
        if reader.read_exact(&mut header).await.is_err() {
            return;
        }
        activity.busy();
        let Ok(header) = Header::parse(header) else {
            return;
        };
        body.clear();
        // Grows with what arrives instead of trusting the declared length up front.
        let read = (&mut reader)
            .take(header.body_len as u64)
            .read_to_end(&mut body)
            .await;
        if read.is_err() || body.len() != header.body_len {
            return;
        }
        if header.kind != Kind::Info {
            counters.commands.fetch_add(1, Ordering::Relaxed);
        }
        reply.clear();
        let class = if state.faults.active() {
            CommandClass::of_request(header.kind, &body)
        } else {
            None
        };
        match class {
            None => respond(header.kind, &body, &node, &state, &mut reply),
            Some(class) => {
                let decision = state.faults.decide(&node.id, class);
                if !decision.delay.is_zero() {
                    tokio::time::sleep(decision.delay).await;
                }
                match decision.outcome {
                    Outcome::Serve => respond(header.kind, &body, &node, &state, &mut reply),
                    Outcome::Fail(rc) => injected_failure(class, &body, rc, &mut reply),
                    Outcome::Close => return,
                    Outcome::Stall => {
                        tokio::select! {
                            () = state.faults.stalled(&node.id, class) => {}
                            () = closed_by_peer(&mut reader) => return,
                        }
                        respond(header.kind, &body, &node, &state, &mut reply);
                    }
                }
            }
        }
        if writer.write_all(&reply).await.is_err() {
            return;
        }
    }
}

/// Returns when the client has closed the connection; never, while it has sent more requests.
async fn closed_by_peer(reader: &mut BufReader<OwnedReadHalf>) {
    let mut probe = [0u8; 1];
    if reader.buffer().is_empty()
        && matches!(reader.get_mut().peek(&mut probe).await, Ok(0) | Err(_))
    {
        return;
    }
    std::future::pending().await
}

/// The reply a request gets when a fault injects `rc` instead of executing it. Batch and query
/// replies end their stream, as a real server's whole-command error does.
fn injected_failure(class: CommandClass, body: &[u8], rc: u8, out: &mut Vec<u8>) {
    if class == CommandClass::Info {
        let text = String::from_utf8_lossy(body);
        let mut answer = String::new();
        for command in text.split('\n').filter(|c| !c.is_empty()) {
            answer.push_str(&format!("{command}\tERROR:{rc}:injected fault\n"));
        }
        out.extend_from_slice(&proto::frame(Kind::Info, answer.as_bytes()));
        return;
    }
    let start = proto::begin_frame(Kind::Message, out);
    let last = matches!(class, CommandClass::Batch | CommandClass::Query);
    let header = MessageHeader {
        result_code: rc,
        info3: if last { info3::LAST } else { 0 },
        ..MessageHeader::default()
    };
    header.write(0, 0, out);
    proto::end_frame(start, out);
}

/// Builds the whole reply frame for one request.
pub fn respond(
    kind: Kind,
    body: &[u8],
    node: &NodeIdentity,
    state: &ClusterState,
    out: &mut Vec<u8>,
) {
    match kind {
        Kind::Info => {
            out.extend_from_slice(&proto::frame(Kind::Info, &info::answer(body, node, state)))
        }
        Kind::Admin => out.extend_from_slice(&security_not_enabled()),
        Kind::Message => handle_message(body, node, state, out),
        // Compression is an Enterprise feature: a Community server answers this code.
        Kind::CompressedMessage => {
            let start = proto::begin_frame(Kind::Message, out);
            Reply::error(ENTERPRISE_ONLY).write(0, out);
            proto::end_frame(start, out);
        }
    }
}

/// Routes an AS_MSG by shape (§3.6) and appends its reply frames.
fn handle_message(body: &[u8], node: &NodeIdentity, state: &ClusterState, out: &mut Vec<u8>) {
    let reply = match Message::parse(body) {
        Err(rc) => Reply::error(rc),
        Ok(msg) if msg.header.info1 & info1::BATCH != 0 => {
            return batch::execute(&state.store, &msg, out)
        }
        Ok(msg) if msg.field(field::DIGEST).is_none() => {
            return query::execute(state, node, &msg, out)
        }
        Ok(msg) => command::execute(&state.store, &msg),
    };
    let start = proto::begin_frame(Kind::Message, out);
    reply.write(0, out);
    proto::end_frame(start, out);
}

/// The admin reply for every security command: security is not enabled (result 52), which both
/// clients take as "no login needed".
fn security_not_enabled() -> Vec<u8> {
    let mut body = [0u8; 16];
    body[1] = SECURITY_NOT_ENABLED;
    proto::frame(Kind::Admin, &body)
}
