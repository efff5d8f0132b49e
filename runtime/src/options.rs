//! Settings given when an object is opened (libbpf's
//! `bpf_object_open_opts`): a BTF file to apply CO-RE relocations against,
//! where `LIBBPF_PIN_BY_NAME` maps are pinned, `__kconfig` overrides and
//! the object's name.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result, Subject};

/// Options for [`OpenObject::from_bytes_with`](crate::OpenObject::from_bytes_with),
/// [`OpenObject::from_file_with`](crate::OpenObject::from_file_with) and a
/// skeleton's `open_with`. Built with [`OpenOptions::new`] and its
/// builder methods; new options may be added, so it cannot be built with a
/// struct literal.
///
/// ```
/// use bpf_skeleton_runtime::OpenOptions;
/// let opts = OpenOptions::new()
///     .btf_custom_path("/boot/vmlinux-6.1.btf")
///     .pin_root("/sys/fs/bpf/mytool")
///     .kconfig("CONFIG_HZ=250\nCONFIG_BPF_SYSCALL=y")
///     .object_name("mytool");
/// assert_eq!(opts.object_name_opt(), Some("mytool"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenOptions {
    pub(crate) btf_custom_path: Option<PathBuf>,
    pub(crate) pin_root: Option<PathBuf>,
    pub(crate) kconfig: Option<String>,
    pub(crate) object_name: Option<String>,
}

impl OpenOptions {
    /// The defaults: CO-RE against the running kernel's BTF, pins under
    /// [`DEFAULT_PIN_ROOT`](crate::DEFAULT_PIN_ROOT), Kconfig from the
    /// system, the object named after its file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies CO-RE relocations against the BTF in this file (raw BTF, as
    /// `/sys/kernel/btf/vmlinux` or `bpftool btf dump file ... format raw`
    /// writes it) instead of the running kernel's, for kernels without
    /// `/sys/kernel/btf/vmlinux` (libbpf's `btf_custom_path`). As libbpf, it
    /// is used for CO-RE only: attach targets and `__ksym` ids are ids of
    /// the running kernel's own BTF, so they are still looked up there. The
    /// file is read at every open that needs it (it is not cached; the
    /// running kernel's BTF keeps its once-per-process cache).
    pub fn btf_custom_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.btf_custom_path = Some(path.into());
        self
    }

    /// Pins every `LIBBPF_PIN_BY_NAME` map at `root/<name>` instead of
    /// `/sys/fs/bpf/<name>` (libbpf's `pin_root_path`).
    pub fn pin_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.pin_root = Some(root.into());
        self
    }

    /// `__kconfig` values in Kconfig syntax, one `CONFIG_NAME=value` per
    /// line (libbpf's `kconfig`): they take precedence over the system's
    /// Kconfig and over later [`set_kconfig`](crate::OpenObject::set_kconfig)
    /// calls for the same name (the first value given wins, as in libbpf).
    /// Lines not starting with `CONFIG_` and names the object does not
    /// declare are ignored, as libbpf does; a `CONFIG_` line without `=` or
    /// without a value is refused at open. Values are checked against the
    /// extern's type at load.
    pub fn kconfig(mut self, kconfig: impl Into<String>) -> Self {
        self.kconfig = Some(kconfig.into());
        self
    }

    /// The object's name (libbpf's `object_name`), returned by
    /// [`OpenObject::name`](crate::OpenObject::name). Defaults to the file
    /// name up to its first `.` for [`from_file_with`](crate::OpenObject::from_file_with)
    /// and to empty for bytes.
    pub fn object_name(mut self, name: impl Into<String>) -> Self {
        self.object_name = Some(name.into());
        self
    }

    /// The custom BTF path, if set.
    pub fn btf_custom_path_opt(&self) -> Option<&Path> {
        self.btf_custom_path.as_deref()
    }

    /// The pin root, if set.
    pub fn pin_root_opt(&self) -> Option<&Path> {
        self.pin_root.as_deref()
    }

    /// The Kconfig overrides, if set.
    pub fn kconfig_opt(&self) -> Option<&str> {
        self.kconfig.as_deref()
    }

    /// The object name, if set.
    pub fn object_name_opt(&self) -> Option<&str> {
        self.object_name.as_deref()
    }

    /// The `CONFIG_*` lines of [`kconfig`](Self::kconfig), checked as
    /// libbpf checks them (every `CONFIG_` line has `=` and a value).
    pub(crate) fn kconfig_lines(&self) -> Result<Vec<String>> {
        let Some(text) = &self.kconfig else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if !line.starts_with("CONFIG_") {
                continue;
            }
            match line.split_once('=') {
                Some((_, v)) if !v.is_empty() => out.push(line.to_string()),
                _ => {
                    return Err(Error::invalid(
                        Subject::map(crate::obj::externs::KCONFIG_SEC),
                        format!("kconfig open option: line `{line}` is not `CONFIG_NAME=value`"),
                    ))
                }
            }
        }
        Ok(out)
    }
}

/// libbpf's default object name for a file: its base name up to the first
/// `.` (`counter.bpf.o` is `counter`).
pub(crate) fn name_of_path(path: &Path) -> String {
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match base.split_once('.') {
        Some((stem, _)) => stem.to_string(),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kconfig_lines_follow_libbpf() {
        let o = OpenOptions::new().kconfig("# comment\nCONFIG_A=y\n\nFOO=1\nCONFIG_B=\"x y\"\n");
        assert_eq!(
            o.kconfig_lines().unwrap(),
            ["CONFIG_A=y", "CONFIG_B=\"x y\""]
        );
        let bad = OpenOptions::new().kconfig("CONFIG_A");
        assert!(bad
            .kconfig_lines()
            .unwrap_err()
            .to_string()
            .contains("CONFIG_A"));
        let empty = OpenOptions::new().kconfig("CONFIG_A=");
        assert!(empty.kconfig_lines().is_err());
    }

    #[test]
    fn object_names_are_the_file_name_up_to_the_first_dot() {
        assert_eq!(name_of_path(Path::new("/x/counter.bpf.o")), "counter");
        assert_eq!(name_of_path(Path::new("plain")), "plain");
    }
}
