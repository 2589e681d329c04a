//! Connection limits: a slow client's request head has a deadline, and one address holds a
//! bounded number of connections.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

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
