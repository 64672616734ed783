//! `weft::fs` against the real filesystem, in a fresh temporary directory per test, on both
//! runtime flavors. Skipped under miri, whose shims lack several of the file syscalls used
//! (links, permissions, `fdatasync`); the code under test has no `unsafe` of its own.

use super::{DirBuilder, File, OpenOptions};
use crate::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use crate::runtime::{Builder, Runtime};
use std::io::{self, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "weft-fs-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn both_flavors() -> [Runtime; 2] {
    [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ]
}

#[test]
#[cfg_attr(miri, ignore = "file syscalls that miri does not shim")]
fn whole_file_functions_round_trip() {
    for runtime in both_flavors() {
        let dir = TempDir::new();
        runtime.block_on(async {
            let path = dir.join("a.txt");
            super::write(&path, "héllo").await.unwrap();
            assert_eq!(super::read(&path).await.unwrap(), "héllo".as_bytes());
            assert_eq!(super::read_to_string(&path).await.unwrap(), "héllo");
            super::write(&path, [0xff, 0xfe]).await.unwrap();
            let error = super::read_to_string(&path).await.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData);
            assert_eq!(super::copy(&path, dir.join("b")).await.unwrap(), 2);
            super::rename(dir.join("b"), dir.join("c")).await.unwrap();
            assert!(!super::try_exists(dir.join("b")).await.unwrap());
            assert_eq!(super::metadata(dir.join("c")).await.unwrap().len(), 2);
            super::remove_file(dir.join("c")).await.unwrap();
            let missing = super::remove_file(dir.join("c")).await.unwrap_err();
            assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        });
    }
}

#[test]
#[cfg_attr(miri, ignore = "file syscalls that miri does not shim")]
fn directories_links_and_permissions() {
    let dir = TempDir::new();
    Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            super::create_dir_all(dir.join("x/y/z")).await.unwrap();
            super::create_dir(dir.join("x/w")).await.unwrap();
            let exists = super::create_dir(dir.join("x/w")).await.unwrap_err();
            assert_eq!(exists.kind(), io::ErrorKind::AlreadyExists);
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir.join("m/n"))
                .await
                .unwrap();
            use std::os::unix::fs::PermissionsExt;
            let mode = super::metadata(dir.join("m/n"))
                .await
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
            super::remove_dir(dir.join("x/w")).await.unwrap();
            super::remove_dir_all(dir.join("x")).await.unwrap();
            assert!(!super::try_exists(dir.join("x")).await.unwrap());

            let file = dir.join("f");
            super::write(&file, "1").await.unwrap();
            super::hard_link(&file, dir.join("hard")).await.unwrap();
            super::symlink(&file, dir.join("soft")).await.unwrap();
            assert_eq!(super::read_link(dir.join("soft")).await.unwrap(), file);
            let link_meta = super::symlink_metadata(dir.join("soft")).await.unwrap();
            assert!(link_meta.file_type().is_symlink());
            let canonical = super::canonicalize(dir.join("soft")).await.unwrap();
            assert_eq!(canonical, super::canonicalize(&file).await.unwrap());
            let mut permissions = super::metadata(&file).await.unwrap().permissions();
            permissions.set_mode(0o600);
            super::set_permissions(&file, permissions).await.unwrap();
            let mode = super::metadata(&file).await.unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        });
}

#[test]
#[cfg_attr(miri, ignore = "file syscalls that miri does not shim")]
fn read_dir_lists_every_entry_across_chunks() {
    const ENTRIES: usize = 70; // more than two chunks of 32
    for runtime in both_flavors() {
        let dir = TempDir::new();
        for i in 0..ENTRIES {
            std::fs::write(dir.join(&format!("{i:03}")), [i as u8]).unwrap();
        }
        runtime.block_on(async {
            let mut listing = super::read_dir(&dir.0).await.unwrap();
            let mut names = Vec::new();
            while let Some(entry) = listing.next_entry().await.unwrap() {
                assert!(entry.file_type().await.unwrap().is_file());
                assert_eq!(entry.metadata().await.unwrap().len(), 1);
                assert_eq!(entry.path(), dir.0.join(entry.file_name()));
                assert_ne!(entry.ino(), 0);
                names.push(entry.file_name().into_string().unwrap());
            }
            assert!(
                listing.next_entry().await.unwrap().is_none(),
                "stays at the end"
            );
            names.sort();
            let expected: Vec<_> = (0..ENTRIES).map(|i| format!("{i:03}")).collect();
            assert_eq!(names, expected);
            assert!(super::read_dir(dir.join("missing")).await.is_err());
        });
    }
}

#[test]
#[cfg_attr(miri, ignore = "file syscalls that miri does not shim")]
fn file_reads_writes_and_seeks_keep_one_position() {
    for runtime in both_flavors() {
        let dir = TempDir::new();
        let path = dir.join("f");
        runtime.block_on(async {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .await
                .unwrap();
            file.set_max_buf_size(4); // every operation takes several blocking jobs
            file.write_all(b"abcdefghij").await.unwrap();
            assert_eq!(file.seek(SeekFrom::Start(2)).await.unwrap(), 2);
            let mut three = [0; 3];
            file.read_exact(&mut three).await.unwrap();
            assert_eq!(&three, b"cde");
            file.write_all(b"XY").await.unwrap(); // at 5
            assert_eq!(file.seek(SeekFrom::Current(-1)).await.unwrap(), 6);
            let mut rest = Vec::new();
            file.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"Yhij");
            assert_eq!(file.seek(SeekFrom::End(-2)).await.unwrap(), 8);
            file.set_len(9).await.unwrap();
            assert_eq!(file.metadata().await.unwrap().len(), 9);
            file.sync_all().await.unwrap();
        });
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdeXYhi");
    }
}

#[test]
#[cfg_attr(miri, ignore = "file syscalls that miri does not shim")]
fn a_failed_write_behind_is_reported_by_flush() {
    let dir = TempDir::new();
    let path = dir.join("read-only");
    std::fs::write(&path, "x").unwrap();
    Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            let mut file = File::open(&path).await.unwrap(); // read-only
            assert_eq!(file.write(b"nope").await.unwrap(), 4, "accepted behind");
            let error = file.flush().await.unwrap_err();
            assert_eq!(error.raw_os_error(), Some(libc_ebadf()));
            file.flush().await.unwrap(); // reported once
            assert_eq!(file.write(b"again").await.unwrap(), 5);
            assert_eq!(
                file.sync_all().await.unwrap_err().raw_os_error(),
                Some(libc_ebadf())
            );
        });
}

/// `EBADF` on Linux (and every Unix weft runs on).
fn libc_ebadf() -> i32 {
    9
}

#[test]
#[cfg_attr(miri, ignore = "file syscalls that miri does not shim")]
fn into_std_and_try_into_std_hand_back_the_position() {
    let dir = TempDir::new();
    let path = dir.join("f");
    std::fs::write(&path, "0123456789").unwrap();
    Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            let mut file = File::open(&path).await.unwrap();
            let mut two = [0; 2];
            file.read_exact(&mut two).await.unwrap();
            let mut std = file.into_std().await;
            let mut rest = String::new();
            std::io::Read::read_to_string(&mut std, &mut rest).unwrap();
            assert_eq!(rest, "23456789");

            let mut file = File::open(&path).await.unwrap();
            file.set_max_buf_size(128);
            let twin = file.try_clone().await.unwrap();
            assert_eq!(twin.max_buf_size(), 128);
            assert!(file.try_into_std().is_ok());
            assert!(twin.try_into_std().is_ok());
        });
}

#[test]
#[should_panic = "no weft runtime is running"]
fn outside_a_runtime_fs_panics() {
    let mut read = Box::pin(super::read("/"));
    let waker = crate::test_util::noop_waker();
    let _ = read
        .as_mut()
        .poll(&mut std::task::Context::from_waker(&waker));
}

use std::future::Future;

#[test]
#[cfg_attr(miri, ignore = "file syscalls that miri does not shim")]
fn set_times_lands_after_the_write_behind() {
    use std::time::{Duration, SystemTime};
    for runtime in both_flavors() {
        let dir = TempDir::new();
        let path = dir.join("f");
        let accessed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
        let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
        runtime.block_on(async {
            let mut file = File::create(&path).await.unwrap();
            // Left in the write-behind: set_times must write it first, or the write would
            // move the modification time past the one set.
            file.write_all(b"abc").await.unwrap();
            let times = super::FileTimes::new()
                .set_accessed(accessed)
                .set_modified(modified);
            file.set_times(times).await.unwrap();
            let metadata = file.metadata().await.unwrap();
            assert_eq!(metadata.len(), 3);
            assert_eq!(metadata.modified().unwrap(), modified);
            assert_eq!(metadata.accessed().unwrap(), accessed);
            file.write_all(b"de").await.unwrap();
            let later = modified + Duration::from_secs(60);
            file.set_modified(later).await.unwrap();
            let metadata = file.metadata().await.unwrap();
            assert_eq!((metadata.len(), metadata.modified().unwrap()), (5, later));
        });
    }
}

#[test]
#[cfg_attr(miri, ignore = "file syscalls that miri does not shim")]
fn a_vectored_write_takes_every_slice_up_to_max_buf_size() {
    use std::io::IoSlice;
    for runtime in both_flavors() {
        let dir = TempDir::new();
        let path = dir.join("f");
        runtime.block_on(async {
            let mut file = File::create(&path).await.unwrap();
            assert!(crate::io::AsyncWrite::is_write_vectored(&file));
            let slices = [
                IoSlice::new(b"abc"),
                IoSlice::new(b""),
                IoSlice::new(b"defg"),
            ];
            assert_eq!(file.write_vectored(&slices).await.unwrap(), 7);
            file.set_max_buf_size(5);
            assert_eq!(
                file.write_vectored(&slices).await.unwrap(),
                5,
                "one job's worth"
            );
            assert_eq!(file.write_vectored(&[IoSlice::new(b"")]).await.unwrap(), 0);
            file.flush().await.unwrap();
        });
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdefgabcde");
    }
}

#[test]
#[cfg_attr(miri, ignore = "opens a file")]
#[should_panic(expected = "`max_buf_size` must be greater than 0")]
fn a_zero_max_buf_size_panics() {
    let std = std::fs::File::open(std::env::temp_dir()).unwrap();
    File::from_std(std).set_max_buf_size(0);
}

#[test]
#[cfg_attr(miri, ignore = "file syscalls that miri does not shim")]
fn an_operation_after_its_runtime_shut_down_fails_in_tokios_words_and_says_why() {
    for runtime in both_flavors() {
        let dir = TempDir::new();
        let path = dir.join("kept");
        std::fs::write(&path, b"never read").unwrap();
        let _enter = runtime.enter();
        runtime.shutdown_timeout(std::time::Duration::from_secs(10));
        let handle = crate::runtime::Handle::current();
        let error = handle
            .block_on(super::read_to_string(&path))
            .expect_err("the blocking pool is gone");
        assert_eq!(error.kind(), io::ErrorKind::Other);
        let inner = error.get_ref().expect("an inner error");
        // tokio's text, which its tests compare; the reason follows as the source.
        assert_eq!(inner.to_string(), "background task failed");
        let reason = std::error::Error::source(inner).expect("the reason");
        assert_eq!(
            reason.to_string(),
            "the filesystem operation was cancelled: its runtime shut down"
        );
    }
}
