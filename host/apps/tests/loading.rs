//! Disk cache, updates and the per-call overhead benchmark (needs `scripts/build-plugins`).

mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use orbit_apps::{CompileSource, Limits};
use support::{Gate, command, load, package, runtime, runtime_with, shared_cache, test_limits};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_load_uses_the_disk_cache() {
    let Some(builtins) = package("apps", "builtin-commands") else { return };
    let cache = std::env::temp_dir().join(format!("orbit-apps-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);

    let (first, _) = runtime_with(test_limits(), cache.clone());
    let started = Instant::now();
    let app = load(&first, builtins.clone()).await.unwrap();
    let cold = started.elapsed();
    let compiled = app.compile_info().elapsed;
    assert_eq!(app.compile_info().source, CompileSource::Compiled);
    drop(first);

    let (second, _) = runtime_with(test_limits(), cache.clone());
    let started = Instant::now();
    let app = load(&second, builtins).await.unwrap();
    let warm = started.elapsed();
    assert_eq!(app.compile_info().source, CompileSource::Cached);
    println!(
        "builtin-commands load: compiled in {:.1} ms (load total {:.1} ms); from cache in {:.2} ms (load total {:.2} ms)",
        ms(compiled),
        ms(cold),
        ms(app.compile_info().elapsed),
        ms(warm)
    );
    assert!(warm < cold);
    let _ = std::fs::remove_dir_all(&cache);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_lets_running_calls_finish_on_the_old_version() {
    let Some(hello) = package("apps", "hello") else { return };
    // A deadline long enough that the held call does not time out while 0.2.0 compiles.
    let (runtime, host) = runtime_with(Limits { deadline: Duration::from_secs(60), ..test_limits() }, shared_cache());
    let runtime = std::sync::Arc::new(runtime);
    let old = load(&runtime, hello.clone()).await.unwrap();
    let id = old.id().to_owned();

    // A call in flight on version 0.1.0 (held inside its host call)...
    let (entered, started) = tokio::sync::oneshot::channel();
    let (release, held) = tokio::sync::oneshot::channel();
    *host.gate.lock() = Some(Gate { entered, release: held });
    let running = {
        let runtime = runtime.clone();
        let id = id.clone();
        tokio::spawn(async move { runtime.execute_command(&id, command("hello", "old")).await })
    };
    started.await.unwrap();
    // ...while 0.2.0 is loaded.
    let mut manifest = hello.manifest.clone();
    manifest.version = "0.2.0".into();
    runtime.load(&id, manifest, hello.component.clone()).await.unwrap();
    assert_eq!(runtime.app(&id).unwrap().manifest().version, "0.2.0");
    runtime.execute_command(&id, command("hello", "new")).await.unwrap().unwrap();
    release.send(()).unwrap();
    running.await.unwrap().unwrap().unwrap();
    assert_eq!(old.manifest().version, "0.1.0");
    assert_eq!(host.take().len(), 2);

    // A broken update leaves the current version in place.
    let mut broken = hello.manifest.clone();
    broken.version = "0.3.0".into();
    assert!(runtime.load(&id, broken, b"not wasm".to_vec()).await.is_err());
    assert_eq!(runtime.app(&id).unwrap().manifest().version, "0.2.0");
    runtime.unload(&id);
    assert!(runtime.execute_command(&id, command("hello", "")).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_a_bounded_set_of_instances() {
    let Some(hello) = package("apps", "hello") else { return };
    let (runtime, host) = runtime();
    let app = load(&runtime, hello).await.unwrap();
    host.delay_ms.store(20, Ordering::Relaxed);
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.execute_command(command("hello", "")).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap().unwrap();
    }
    assert_eq!(host.take().len(), 8);
    let idle = app.health().idle_instances;
    assert!((1..=test_limits().max_instances).contains(&idle), "{idle} idle instances");
}

/// Per-call overhead of warm command calls (host + wasm) for a Rust, a Python and a JS app.
/// Run with `cargo test -p orbit-apps --test loading -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_warm_command_call() {
    let apps = [("hello", "hello", 20_000), ("py-echo", "echo", 5_000), ("js-reverse", "reverse", 5_000)];
    let (runtime, host) = runtime();
    for (slug, name, calls) in apps {
        let Some(package) = package("apps", slug) else { continue };
        let started = Instant::now();
        let app = load(&runtime, package).await.unwrap();
        let load_time = started.elapsed();
        let started = Instant::now();
        app.execute_command(command(name, "bench")).await.unwrap().unwrap();
        let first = started.elapsed();
        for _ in 0..200 {
            app.execute_command(command(name, "bench")).await.unwrap().unwrap();
        }
        host.take();
        let started = Instant::now();
        for _ in 0..calls {
            app.execute_command(command(name, "bench")).await.unwrap().unwrap();
        }
        let per_call = started.elapsed().as_secs_f64() * 1e6 / calls as f64;
        host.take();
        let started = Instant::now();
        for _ in 0..calls {
            app.on_enable().await.unwrap();
        }
        let bare = started.elapsed().as_secs_f64() * 1e6 / calls as f64;
        println!(
            "{slug:>10} /{name}: load {:.1} ms ({:?}), first call {:.2} ms, warm command {per_call:.2} µs per call, bare on-enable {bare:.2} µs per call ({calls} calls)",
            ms(load_time),
            app.compile_info().source,
            ms(first),
        );
    }
}
