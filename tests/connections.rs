//! Connection limits: a slow client's request head has a deadline, and one address holds a
//! bounded number of connections.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::ddp::Ddp;
use crate::common::*;

/// The longest a test waits for the server to act; the deadlines under test are far shorter.
const PATIENCE: Duration = Duration::from_secs(30);

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// Reads until the server closes the connection; fails if it is still open after
/// [`PATIENCE`]. Returns what the server sent.
fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return out,
            Err(e) => panic!("the server kept the connection open: {e}"),
        }
    }
}

/// Whether `GET /api/info` on a new connection answers 200.
fn info_answers(server: &Server) -> bool {
    let mut stream = connect(server);
    let request = "GET /api/info HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    String::from_utf8_lossy(&read_until_closed(&mut stream)).starts_with("HTTP/1.1 200")
}

#[test]
fn a_request_head_that_never_completes_is_cut_off() {
    let server = Server::start_with(Options::default().env("ORBIT_HEADER_READ_TIMEOUT_SECS", "1"));
    // Silent after connecting.
    let mut silent = connect(&server);
    // Trickling one header line at a time, never finishing the head.
    let mut trickling = connect(&server);
    trickling.write_all(b"GET /api/info HTTP/1.1\r\n").unwrap();
    let writer = {
        let mut stream = trickling.try_clone().unwrap();
        std::thread::spawn(move || {
            for i in 0.. {
                std::thread::sleep(Duration::from_millis(200));
                if stream.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes()).is_err() {
                    return;
                }
            }
        })
    };
    read_until_closed(&mut silent);
    read_until_closed(&mut trickling);
    writer.join().unwrap();
    assert!(info_answers(&server), "the server still answers others");
}

#[test]
fn one_address_holds_a_bounded_number_of_connections() {
    let server = Server::start_with(
        Options::default().env("ORBIT_MAX_CONNECTIONS_PER_IP", "3").env("ORBIT_HEADER_READ_TIMEOUT_SECS", "600"),
    );
    let mut held: Vec<TcpStream> = (0..3).map(|_| connect(&server)).collect();
    for stream in &mut held {
        stream.write_all(b"GET /api/info HTTP/1.1\r\n").unwrap();
    }
    // The fourth is closed at once, without an answer.
    let mut refused = connect(&server);
    assert!(read_until_closed(&mut refused).is_empty());
    // Once one of the three goes away, the address may connect again.
    held.pop();
    let deadline = Instant::now() + PATIENCE;
    while !info_answers(&server) {
        assert!(Instant::now() < deadline, "the freed connection was never counted out");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_realtime_client_that_stops_reading_is_dropped() {
    let server = Server::start_with(
        Options::default()
            .env("OVERWRITE_SETTING_Orbit_DDP_Write_Timeout_Ms", "500")
            .env("OVERWRITE_SETTING_Orbit_DDP_Send_Queue", "1000000"),
    );
    let admin = server.admin();
    server.user("slow");
    let mut slow = Ddp::login(&server, "slow", "Passw0rd!x");
    slow.sub_ok("stream-room-messages", "GENERAL");
    let presence = || assert_ok(&admin.get("/api/v1/users.getPresence?username=slow"))["presence"].clone();
    // The presence writer marks the user online shortly after the login.
    let online_by = Instant::now() + PATIENCE;
    while presence() != "online" {
        assert!(Instant::now() < online_by, "the user never came online");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Messages the client never reads, until the kernel's buffers are full and a write misses
    // its deadline: the server then drops the connection (and the user goes offline) without
    // the client reading anything.
    let text = "x".repeat(4000);
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut sent = 0;
    while presence() != "offline" {
        assert!(Instant::now() < deadline, "still connected after {sent} messages");
        for _ in 0..50 {
            assert_ok(&admin.post("/api/v1/chat.postMessage", json!({"channel": "#general", "text": text})));
            sent += 1;
        }
    }
    slow.expect_closed();
}

#[test]
fn oversized_urls_and_headers_get_a_json_error() {
    let s = Server::start();
    let me = s.admin();
    // A 10 KiB query string: 414 in the envelope.
    let res = me.get(&format!("/api/v1/me?pad={}", "a".repeat(10 * 1024)));
    assert_error(&res, 414, "error-uri-too-long");
    // 40 KiB of headers, or 150 header lines: 431 in the envelope.
    let res = me.send(s.http.get(s.url("/api/v1/me")).header("X-Pad", "b".repeat(40 * 1024)));
    assert_error(&res, 431, "error-headers-too-large");
    let mut many = s.http.get(s.url("/api/v1/me"));
    for i in 0..150 {
        many = many.header(format!("X-Pad-{i}"), "x");
    }
    assert_error(&me.send(many), 431, "error-headers-too-large");
    // Within the limits all is well.
    let res = me.get(&format!("/api/v1/me?pad={}", "a".repeat(4 * 1024)));
    assert_ok(&res);
}
