//! Hostile fixtures are contained (needs `scripts/build-plugins`).

mod support;

use std::time::{Duration, Instant};

use orbit_apps::{AppError, Limits};
use support::{command, load, package, runtime, runtime_with, shared_cache, test_limits};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_loop_is_stopped_by_the_deadline() {
    let (Some(looping), Some(hello)) = (package("fixtures", "loop"), package("apps", "hello")) else { return };
    let (runtime, _host) = runtime();
    let looping = load(&runtime, looping).await.unwrap();
    let hello = load(&runtime, hello).await.unwrap();

    let started = Instant::now();
    let err = looping.execute_command(command("loop", "")).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, AppError::Timeout(_)), "{err}");
    println!("loop stopped after {} ms", took.as_millis());

    // The runtime and other apps keep working; the loop app gets a fresh instance.
    hello.execute_command(command("hello", "")).await.unwrap().unwrap();
    let err = looping.execute_command(command("loop", "")).await.unwrap_err();
    assert!(matches!(err, AppError::Timeout(_)));
    assert!(runtime.logs(looping.id()).iter().any(|e| e.message.contains("timed out")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbounded_allocation_hits_the_memory_cap() {
    let Some(alloc) = package("fixtures", "alloc") else { return };
    // A deadline far beyond the allocation's time, so only the memory cap can stop it, however
    // busy the machine is.
    let (runtime, _host) = runtime_with(Limits { deadline: Duration::from_secs(60), ..test_limits() }, shared_cache());
    let app = load(&runtime, alloc).await.unwrap();
    let started = Instant::now();
    let err = app.execute_command(command("alloc", "")).await.unwrap_err();
    assert!(matches!(err, AppError::OutOfMemory(_)), "{err}");
    println!("allocation stopped after {} ms", started.elapsed().as_millis());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trap_fails_only_that_call() {
    let Some(trap) = package("fixtures", "trap") else { return };
    let (runtime, host) = runtime();
    let app = load(&runtime, trap).await.unwrap();
    app.execute_command(command("fine", "")).await.unwrap().unwrap();
    assert_eq!(app.health().idle_instances, 1);

    let err = app.execute_command(command("trap", "")).await.unwrap_err();
    assert!(matches!(err, AppError::Trap(_)), "{err}");
    assert_eq!(app.health().idle_instances, 0, "the trapped instance is discarded");
    assert_eq!(app.health().consecutive_failures, 1);

    host.take();
    app.execute_command(command("fine", "")).await.unwrap().unwrap();
    assert_eq!(host.take().len(), 1);
    assert_eq!(app.health().consecutive_failures, 0);
    let logs = runtime.logs(app.id());
    assert!(logs.iter().any(|e| e.message.contains("fixture panic")), "panic message captured from stderr: {logs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_mark_the_app_failed() {
    let Some(trap) = package("fixtures", "trap") else { return };
    let (runtime, _host) = runtime_with(Limits { failure_threshold: 2, ..test_limits() }, shared_cache());
    let app = load(&runtime, trap).await.unwrap();
    for _ in 0..2 {
        assert!(matches!(app.execute_command(command("trap", "")).await, Err(AppError::Trap(_))));
    }
    let err = app.execute_command(command("fine", "")).await.unwrap_err();
    assert!(matches!(&err, AppError::Failed(reason) if reason.contains("2 consecutive failures")), "{err}");
    assert!(app.health().failed.is_some());
    runtime.on_enable(app.id()).await.unwrap();
    app.execute_command(command("fine", "")).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_cannot_be_read() {
    let Some(reader) = package("fixtures", "read-file") else { return };
    let (runtime, _host) = runtime();
    let app = load(&runtime, reader).await.unwrap();
    for path in ["/etc/passwd", "Cargo.toml", "."] {
        let answer = app.execute_command(command("read-file", path)).await.unwrap().unwrap_err();
        assert!(answer.starts_with("read failed"), "{path}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_cannot_be_opened() {
    let Some(socket) = package("fixtures", "socket") else { return };
    let (runtime, _host) = runtime();
    let app = load(&runtime, socket).await.unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let answer = app.execute_command(command("socket", &addr)).await.unwrap().unwrap_err();
    assert!(answer.starts_with("connect failed"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeclared_imports_are_refused_at_load() {
    let Some(undeclared) = package("fixtures", "undeclared") else { return };
    let (runtime, _host) = runtime();
    let id = undeclared.manifest.id.clone();
    let err = load(&runtime, undeclared).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, AppError::Component(_)), "{message}");
    assert!(message.contains("orbit:apps/rooms@0.1.0") && message.contains("`room.read`"), "{message}");
    assert!(runtime.app(&id).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_call_floods_are_contained() {
    let Some(flood) = package("fixtures", "flood") else { return };
    let (runtime, _host) = runtime();
    let app = load(&runtime, flood).await.unwrap();
    let started = Instant::now();
    let err = app.execute_command(command("flood", "")).await.unwrap_err();
    assert!(matches!(err, AppError::HostCallFlood(1000)), "{err}");
    println!("flood stopped after {} ms", started.elapsed().as_millis());
    assert!(runtime.logs(app.id()).len() <= test_limits().log_capacity);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_host_call_is_bounded_too() {
    let Some(hello) = package("apps", "hello") else { return };
    let (runtime, host) = runtime();
    let app = load(&runtime, hello).await.unwrap();
    host.stuck.store(true, std::sync::atomic::Ordering::Relaxed);
    let err = app.execute_command(command("hello", "")).await.unwrap_err();
    assert!(matches!(err, AppError::Timeout(_)), "{err}");
    host.stuck.store(false, std::sync::atomic::Ordering::Relaxed);
    app.execute_command(command("hello", "")).await.unwrap().unwrap();
}
