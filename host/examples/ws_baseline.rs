//! The ceiling for `ddp_load`: a bare tokio-tungstenite broadcast server that speaks just enough
//! DDP for the load generator (connect, ping, `login` that accepts anything, `sub` to any stream,
//! and `sendMessage`, which is broadcast as a `stream-room-messages` event to every subscriber).
//! No storage, no permissions, no JSON beyond parsing the frame: the same fan-out design as Orbit
//! (frame serialized once, bounded queue per client, slow clients dropped) with nothing else.
//!
//! ```sh
//! cargo run --release -p orbit --example ws_baseline -- --port 3100
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{SinkExt, StreamExt};
use parking_lot::RwLock;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

type Subscribers = Arc<RwLock<HashMap<u64, mpsc::Sender<Utf8Bytes>>>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut port = 3100u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--port" {
            port = args.next().unwrap_or_default().parse()?;
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on {}", listener.local_addr()?);
    let subs: Subscribers = Arc::default();
    let next = Arc::new(AtomicU64::new(1));
    loop {
        let (stream, _) = listener.accept().await?;
        let (subs, id) = (subs.clone(), next.fetch_add(1, Ordering::Relaxed));
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let config = WebSocketConfig::default().read_buffer_size(1024).write_buffer_size(0);
            let Ok(ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else { return };
            serve(ws, id, subs.clone()).await;
            subs.write().remove(&id);
        });
    }
}

async fn serve(mut ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>, id: u64, subs: Subscribers) {
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(1024);
    let mut tx = Some(tx);
    if ws.send(Message::text(r#"{"server_id":"0"}"#)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            incoming = ws.next() => {
                let Some(Ok(msg)) = incoming else { break };
                let Message::Text(text) = msg else { continue };
                let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                let reply = match v["msg"].as_str() {
                    Some("connect") => Some(json!({"msg": "connected", "session": id.to_string()})),
                    Some("ping") => Some(json!({"msg": "pong"})),
                    Some("sub") => {
                        if let Some(tx) = tx.take() {
                            subs.write().insert(id, tx);
                        }
                        Some(json!({"msg": "ready", "subs": [v["id"]]}))
                    }
                    Some("method") if v["method"] == "sendMessage" => {
                        let m = &v["params"][0];
                        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis() as u64;
                        let message = json!({"_id": m["_id"], "rid": m["rid"], "msg": m["msg"], "ts": {"$date": now},
                            "u": {"_id": "baseline", "username": "baseline"}, "_updatedAt": {"$date": now}, "mentions": [], "channels": []});
                        let frame = Utf8Bytes::from(json!({"msg": "changed", "collection": "stream-room-messages", "id": "id",
                            "fields": {"eventName": m["rid"], "args": [message]}}).to_string());
                        let mut slow = Vec::new();
                        for (sid, s) in subs.read().iter() {
                            if let Err(mpsc::error::TrySendError::Full(_)) = s.try_send(frame.clone()) {
                                slow.push(*sid);
                            }
                        }
                        if !slow.is_empty() {
                            let mut w = subs.write();
                            for sid in slow { w.remove(&sid); }
                        }
                        Some(json!({"msg": "result", "id": v["id"], "result": message}))
                    }
                    Some("method") => Some(json!({"msg": "result", "id": v["id"],
                        "result": {"id": "baseline", "token": "baseline", "tokenExpires": {"$date": 0}, "type": "resume"}})),
                    _ => None,
                };
                if let Some(r) = reply && ws.send(Message::text(r.to_string())).await.is_err() {
                    break;
                }
            }
            frame = rx.recv() => {
                let Some(frame) = frame else { break };
                if ws.feed(Message::Text(frame)).await.is_err() { break; }
                let mut n = 0;
                while n < 256 {
                    match rx.try_recv() {
                        Ok(f) => { n += 1; if ws.feed(Message::Text(f)).await.is_err() { return; } }
                        Err(_) => break,
                    }
                }
                if ws.flush().await.is_err() { break; }
            }
        }
    }
}
