//! Where the machine's CPU went during a phase: how many cores the server kept busy, and how
//! much of the machine sat idle (Linux `/proc`). A peak reached with idle cores is bounded by
//! something other than CPU: a lock, a queue, a chain of hand-offs.

use std::time::Instant;

/// Kernel ticks per second in `/proc` (`USER_HZ`, 100 on every Linux architecture wagate runs
/// on; the kernel converts to it for user space whatever its own tick rate).
const TICKS_PER_SECOND: f64 = 100.0;

/// A reading of the counters, to subtract from a later one.
#[derive(Clone, Copy, Debug)]
pub struct CpuMark {
    at: Instant,
    server_ticks: u64,
    machine: MachineTicks,
}

/// The machine's CPU time, all cores together, in ticks.
#[derive(Clone, Copy, Debug, PartialEq)]
struct MachineTicks {
    idle: u64,
    total: u64,
}

/// What a phase used.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CpuUse {
    /// The server's CPU time over the phase's length: 1.0 is one core busy all along.
    pub server_cores: f64,
    /// The machine's idle time (I/O wait included) over all its CPU time, 0.0–1.0.
    pub idle_share: f64,
}

impl CpuMark {
    /// Reads the counters now, for the server's process `pid`.
    pub fn now(pid: u32) -> Result<Self, String> {
        let process = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_err(|e| format!("cannot read the server's /proc/{pid}/stat: {e}"))?;
        let machine = std::fs::read_to_string("/proc/stat").map_err(|e| format!("cannot read /proc/stat: {e}"))?;
        Ok(Self {
            at: Instant::now(),
            server_ticks: process_ticks(&process).ok_or("/proc/PID/stat has no CPU times")?,
            machine: machine_ticks(&machine).ok_or("/proc/stat has no cpu line")?,
        })
    }

    /// What was used between this reading and `later`.
    pub fn until(&self, later: &CpuMark) -> CpuUse {
        let seconds = later.at.duration_since(self.at).as_secs_f64();
        let server = later.server_ticks.saturating_sub(self.server_ticks) as f64 / TICKS_PER_SECOND;
        let total = later.machine.total.saturating_sub(self.machine.total);
        let idle = later.machine.idle.saturating_sub(self.machine.idle);
        CpuUse {
            server_cores: if seconds > 0.0 { server / seconds } else { 0.0 },
            idle_share: if total > 0 { idle as f64 / total as f64 } else { 0.0 },
        }
    }
}

/// User plus system ticks of a process, from its `/proc/PID/stat` line. The command name, in
/// parentheses, may hold spaces, so fields are counted after its closing parenthesis.
fn process_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// The machine's idle and total ticks from `/proc/stat`'s first line (`cpu user nice system idle
/// iowait irq softirq steal …`); guest time is already counted in user time.
fn machine_ticks(stat: &str) -> Option<MachineTicks> {
    let line = stat.lines().find(|line| line.starts_with("cpu "))?;
    let values: Vec<u64> = line.split_whitespace().skip(1).take(8).map(str::parse).collect::<Result<_, _>>().ok()?;
    let [_, _, _, idle, iowait, ..] = values.as_slice() else { return None };
    Some(MachineTicks { idle: idle + iowait, total: values.iter().sum() })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_process_counts_user_and_system_ticks_even_with_spaces_in_its_name() {
        let stat = "4242 (wagate serve) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 567 0 0 20 0 12 0 99 0 0";
        assert_eq!(process_ticks(stat), Some(1234 + 567));
        assert_eq!(process_ticks("4242 (cut short) S 1"), None);
    }

    #[test]
    fn the_machine_idles_in_idle_and_io_wait_out_of_every_tick() {
        let stat = "cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\nintr 1 2 3\n";
        assert_eq!(machine_ticks(stat), Some(MachineTicks { idle: 840, total: 1000 }));
        assert_eq!(machine_ticks("intr 1 2 3\n"), None);
    }

    #[test]
    fn use_is_cores_over_wall_time_and_idle_over_all_ticks() {
        let start = Instant::now();
        let first = CpuMark { at: start, server_ticks: 1000, machine: MachineTicks { idle: 5000, total: 20000 } };
        let later = CpuMark {
            at: start + Duration::from_secs(2),
            server_ticks: 1300,
            machine: MachineTicks { idle: 5100, total: 20400 },
        };
        assert_eq!(first.until(&later), CpuUse { server_cores: 1.5, idle_share: 0.25 });
    }
}
