//! [`DirBuilder`]: creating a directory with options.

use super::asyncify;
use std::io;
use std::path::Path;

/// Creates directories with options (`std::fs::DirBuilder`): recursively, and with a Unix mode.
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let root = std::env::temp_dir().join(format!("weft-dir-builder-{}", std::process::id()));
/// weft::fs::DirBuilder::new()
///     .recursive(true)
///     .mode(0o750)
///     .create(root.join("x/y"))
///     .await?;
/// assert!(weft::fs::metadata(root.join("x/y")).await?.is_dir());
/// # weft::fs::remove_dir_all(&root).await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct DirBuilder {
    recursive: bool,
    #[cfg(unix)]
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder with the defaults: not recursive, mode `0o777` (before the umask).
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Whether to create the missing parents too (and succeed if the directory exists).
    pub fn recursive(&mut self, recursive: bool) -> &mut Self {
        self.recursive = recursive;
        self
    }

    /// The permission bits of the directories created (Unix; the umask still applies).
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.mode = Some(mode);
        self
    }

    /// Creates the directory at `path`.
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref().to_owned();
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(self.recursive);
        #[cfg(unix)]
        if let Some(mode) = self.mode {
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
        }
        asyncify(move || builder.create(path)).await
    }
}
