//! Keeps the embedded engine's writer beside the thread that drives it.
//!
//! sqlx runs each SQLite connection on a worker thread of its own and hands it every statement.
//! When the two threads sit on different cores, each hand-off wakes a sleeping core: on the
//! 2-core reference machine that costs about 60 µs a statement, against 8.5 µs when both share
//! a core, and a payment is a dozen statements. Writes are serial in SQLite anyway, so pinning
//! the writer's worker and the calling thread to one core loses no parallelism; readers (the
//! reports, `verify`'s segments) keep every core.
//!
//! Both threads also run as SCHED_BATCH, which only stops a woken thread from preempting the
//! running one: the worker finishes sending a statement's rows before the caller takes the
//! core back, instead of the two switching for every row (measured: 15 % more payments a
//! second).

/// The writer connection's worker threads are named with this prefix so they can be found.
/// (Linux keeps 15 bytes of a thread name.)
pub(crate) const WRITER_THREAD_PREFIX: &str = "mz-writer";

/// Pins the calling thread and the writer's worker to the core the caller runs on now.
/// Best effort: where the system refuses, or off Linux, nothing changes.
#[cfg(target_os = "linux")]
pub(crate) fn pin_writer_beside_caller() {
    // SAFETY: sched_getcpu takes no arguments; cpu_set_t is plain data for which all zeroes is
    // the empty set; sched_setaffinity reads exactly size_of::<cpu_set_t>() bytes from `set`;
    // sched_setscheduler reads one sched_param, which SCHED_BATCH needs with priority 0.
    unsafe {
        let cpu = libc::sched_getcpu();
        if cpu < 0 {
            return;
        }
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu as usize, &mut set);
        let size = std::mem::size_of::<libc::cpu_set_t>();
        let batch = libc::sched_param { sched_priority: 0 };
        libc::sched_setaffinity(0, size, &set);
        libc::sched_setscheduler(0, libc::SCHED_BATCH, &batch);
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return };
        for task in tasks.flatten() {
            let is_writer = std::fs::read_to_string(task.path().join("comm")).is_ok_and(|name| name.starts_with(WRITER_THREAD_PREFIX));
            if let (true, Some(tid)) = (is_writer, task.file_name().to_str().and_then(|t| t.parse::<libc::pid_t>().ok())) {
                libc::sched_setaffinity(tid, size, &set);
                libc::sched_setscheduler(tid, libc::SCHED_BATCH, &batch);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn pin_writer_beside_caller() {}
