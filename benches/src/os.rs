//! What the measurements need from the operating system: a process's resource usage
//! ([`Usage`]: CPU time and context switches, from `getrusage(2)`) and CPU affinity
//! ([`CpuList`]: pin the calling thread, and every thread it starts afterwards, to some CPUs).

use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::str::FromStr;
use std::time::Duration;

/// The resource usage of the whole calling process, every thread included (those that have
/// exited too), as `getrusage(RUSAGE_SELF)` reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// CPU time in user mode.
    pub user: Duration,
    /// CPU time in the kernel.
    pub system: Duration,
    /// Voluntary context switches: a thread blocked (parked, waited for I/O or a lock).
    pub voluntary: u64,
    /// Involuntary context switches: a thread was preempted.
    pub involuntary: u64,
}

impl Usage {
    /// The calling process's usage so far.
    ///
    /// # Errors
    ///
    /// When `getrusage` fails (it does not, for `RUSAGE_SELF`, short of a broken kernel).
    pub fn of_this_process() -> io::Result<Usage> {
        let mut raw = MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: `raw` is valid for writes of one `rusage` (it is its own allocation, of that
        // type), `getrusage` writes at most that, and `RUSAGE_SELF` is a valid `who`. All-zero
        // bytes are a valid `rusage` (integers and `timeval`s of integers), so the value is
        // initialised whether or not the call wrote it; it is read only when the call succeeded.
        let (rc, raw) = unsafe {
            let rc = libc::getrusage(libc::RUSAGE_SELF, raw.as_mut_ptr());
            (rc, raw.assume_init())
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        let time = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec.max(0) as u64)
                + Duration::from_micros(t.tv_usec.max(0) as u64)
        };
        Ok(Usage {
            user: time(raw.ru_utime),
            system: time(raw.ru_stime),
            voluntary: raw.ru_nvcsw.max(0) as u64,
            involuntary: raw.ru_nivcsw.max(0) as u64,
        })
    }

    /// User plus system time.
    pub fn cpu(&self) -> Duration {
        self.user + self.system
    }

    /// Voluntary plus involuntary context switches.
    pub fn switches(&self) -> u64 {
        self.voluntary + self.involuntary
    }

    /// What was used between `earlier` and `self` (saturating: counters only grow).
    pub fn since(&self, earlier: &Usage) -> Usage {
        Usage {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
            voluntary: self.voluntary.saturating_sub(earlier.voluntary),
            involuntary: self.involuntary.saturating_sub(earlier.involuntary),
        }
    }

    /// The one-line form of the child process's control protocol:
    /// `user_ns=.. system_ns=.. voluntary=.. involuntary=..`.
    pub fn to_line(&self) -> String {
        format!(
            "user_ns={} system_ns={} voluntary={} involuntary={}",
            self.user.as_nanos(),
            self.system.as_nanos(),
            self.voluntary,
            self.involuntary
        )
    }

    /// Parses [`to_line`](Self::to_line)'s form.
    ///
    /// # Errors
    ///
    /// When a field is missing or not a number.
    pub fn from_line(line: &str) -> Result<Usage, String> {
        let field = |name: &str| -> Result<u64, String> {
            line.split_ascii_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .ok_or_else(|| format!("no {name}= in {line:?}"))?
                .parse()
                .map_err(|e| format!("{name} in {line:?}: {e}"))
        };
        Ok(Usage {
            user: Duration::from_nanos(field("user_ns")?),
            system: Duration::from_nanos(field("system_ns")?),
            voluntary: field("voluntary")?,
            involuntary: field("involuntary")?,
        })
    }
}

/// A set of CPUs, written as Linux writes them (`0-3,6`, as `taskset -c` takes them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuList(Vec<usize>);

impl CpuList {
    /// The CPUs, sorted, without duplicates.
    pub fn cpus(&self) -> &[usize] {
        &self.0
    }

    /// Splits the CPUs this process may run on into two halves, the first for the server and
    /// the second for the load generator (with one CPU, both get it).
    pub fn halves() -> (CpuList, CpuList) {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        let half = (n / 2).max(1);
        let first = CpuList((0..half).collect());
        let second = CpuList((half.min(n - 1)..n).collect());
        (first, second)
    }

    /// Pins the calling thread to these CPUs; threads it starts afterwards inherit the mask.
    ///
    /// # Errors
    ///
    /// When the kernel refuses (a CPU that does not exist or is not allowed).
    pub fn pin_current_thread(&self) -> io::Result<()> {
        let mut set = rustix::thread::CpuSet::new();
        for &cpu in &self.0 {
            if cpu >= rustix::thread::CpuSet::MAX_CPU {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("CPU {cpu} is past the largest CPU set"),
                ));
            }
            set.set(cpu);
        }
        rustix::thread::sched_setaffinity(None, &set)
            .map_err(|e| io::Error::new(io::Error::from(e).kind(), format!("pin to {self}: {e}")))
    }
}

impl FromStr for CpuList {
    type Err = String;

    fn from_str(s: &str) -> Result<CpuList, String> {
        let mut cpus = Vec::new();
        for part in s.split(',').map(str::trim) {
            let num = |n: &str| {
                n.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("bad CPU list {s:?}: expected e.g. 0-3,6"))
            };
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (num(a)?, num(b)?);
                    if a > b {
                        return Err(format!("bad CPU range {part:?} in {s:?}"));
                    }
                    cpus.extend(a..=b);
                }
                None => cpus.push(num(part)?),
            }
        }
        cpus.sort_unstable();
        cpus.dedup();
        Ok(CpuList(cpus))
    }
}

impl fmt::Display for CpuList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut i = 0;
        while i < self.0.len() {
            let start = self.0[i];
            let mut end = start;
            while i + 1 < self.0.len() && self.0[i + 1] == end + 1 {
                i += 1;
                end += 1;
            }
            if start > self.0[0] {
                f.write_str(",")?;
            }
            if end > start {
                write!(f, "{start}-{end}")?;
            } else {
                write!(f, "{start}")?;
            }
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_parse_and_print_as_linux_writes_them() {
        let l: CpuList = "3,0-1, 1".parse().unwrap();
        assert_eq!(l.cpus(), &[0, 1, 3]);
        assert_eq!(l.to_string(), "0-1,3");
        assert_eq!("5".parse::<CpuList>().unwrap().to_string(), "5");
        assert!("".parse::<CpuList>().is_err());
        assert!("2-1".parse::<CpuList>().is_err());
        assert!("a".parse::<CpuList>().is_err());
    }

    #[test]
    fn halves_cover_the_machine() {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (a, b) = CpuList::halves();
        assert!(!a.cpus().is_empty() && !b.cpus().is_empty());
        assert!(a.cpus().iter().chain(b.cpus()).all(|&c| c < n));
        if n >= 2 {
            assert!(a.cpus().iter().all(|c| !b.cpus().contains(c)));
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // getrusage is a system call
    fn usage_grows_and_round_trips_through_its_line() {
        let before = Usage::of_this_process().unwrap();
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(20) {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        let after = Usage::of_this_process().unwrap();
        assert!(after.cpu() > before.cpu(), "{x}");
        let used = after.since(&before);
        assert_eq!(Usage::from_line(&used.to_line()), Ok(used));
        assert!(Usage::from_line("user_ns=1 system_ns=2 voluntary=3").is_err());
    }
}
