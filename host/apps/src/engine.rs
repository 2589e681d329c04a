//! The shared wasmtime engine: pooling allocator, epoch ticker and an on-disk cache of
//! compiled components keyed by the sha256 of their bytes.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::{AppError, Result};

/// How often the epoch advances; deadlines are checked at this granularity.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Engine-wide settings.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Directory for compiled components; created if missing.
    pub cache_dir: PathBuf,
    /// Instances alive at once across all apps (pool slots; default 512).
    pub max_live_instances: u32,
    /// Largest linear memory any instance may have; per-app caps are lower (default 512 MiB).
    pub max_memory_bytes: usize,
}

impl EngineConfig {
    /// Defaults with the given cache directory.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        EngineConfig { cache_dir: cache_dir.into(), max_live_instances: 512, max_memory_bytes: 512 << 20 }
    }
}

/// How a component was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileSource {
    /// Compiled now (and written to the cache).
    Compiled,
    /// Read from the disk cache.
    Cached,
}

/// A compiled component and how long getting it took.
pub struct Compiled {
    pub component: Component,
    pub source: CompileSource,
    pub elapsed: Duration,
    /// Hex sha256 of the component bytes.
    pub sha256: String,
}

/// The one wasmtime engine all apps share. Dropping it stops the epoch ticker.
pub struct AppEngine {
    engine: Engine,
    cache_dir: PathBuf,
    ticker_stop: Arc<AtomicBool>,
}

impl AppEngine {
    /// Builds the engine and starts its epoch ticker thread.
    pub fn new(config: &EngineConfig) -> Result<AppEngine> {
        let mut pool = PoolingAllocationConfig::default();
        let slots = config.max_live_instances;
        pool.total_component_instances(slots)
            .total_core_instances(slots * 8)
            .total_memories(slots * 2)
            .total_tables(slots * 4)
            .total_stacks(slots)
            .max_core_instances_per_component(64)
            .max_memories_per_component(4)
            .max_tables_per_component(16)
            .max_memory_size(config.max_memory_bytes)
            .table_elements(200_000)
            .max_component_instance_size(4 << 20)
            .max_core_instance_size(4 << 20);
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            .epoch_interruption(true)
            .memory_init_cow(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&wasm).map_err(|e| AppError::Compile(format!("engine: {e:#}")))?;

        let cache_dir = config.cache_dir.join(compat_dir(&engine));
        std::fs::create_dir_all(&cache_dir)
            .map_err(|e| AppError::Compile(format!("cache dir {}: {e}", cache_dir.display())))?;

        let ticker_stop = Arc::new(AtomicBool::new(false));
        let (stop, ticking) = (ticker_stop.clone(), engine.clone());
        std::thread::Builder::new()
            .name("orbit-apps-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    ticking.increment_epoch();
                }
            })
            .map_err(|e| AppError::Compile(format!("epoch ticker: {e}")))?;

        Ok(AppEngine { engine, cache_dir, ticker_stop })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles `bytes`, or loads the compiled form from the disk cache. CPU-heavy when
    /// compiling: call it from a blocking thread.
    pub fn compile(&self, bytes: &[u8]) -> Result<Compiled> {
        let started = Instant::now();
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.cache_dir.join(format!("{sha256}.cwasm"));
        if path.exists() {
            // SAFETY: files in the cache directory are only written by `store` below from
            // `Component::serialize` of this engine configuration (its compat hash names the
            // directory); the directory is the server's own.
            match unsafe { Component::deserialize_file(&self.engine, &path) } {
                Ok(component) => {
                    return Ok(Compiled {
                        component,
                        source: CompileSource::Cached,
                        elapsed: started.elapsed(),
                        sha256,
                    });
                }
                Err(error) => {
                    tracing::warn!(path = %path.display(), "discarding unreadable cached component: {error:#}");
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let component = Component::new(&self.engine, bytes)
            .map_err(|e| AppError::Component(format!("not a valid wasm component: {e:#}")))?;
        if let Err(error) = store(&path, &component) {
            tracing::warn!(path = %path.display(), "could not cache compiled component: {error}");
        }
        Ok(Compiled { component, source: CompileSource::Compiled, elapsed: started.elapsed(), sha256 })
    }
}

impl Drop for AppEngine {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// Writes the serialized component atomically (temporary file, then rename).
fn store(path: &Path, component: &Component) -> std::result::Result<(), String> {
    let bytes = component.serialize().map_err(|e| format!("{e:#}"))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, path).map_err(|e| e.to_string())
}

/// A directory name that changes whenever compiled code would be incompatible.
fn compat_dir(engine: &Engine) -> String {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("wasmtime-{:016x}", hasher.finish())
}
