//! Options shared by `resolve`, `explain`, `compile` and `run`.

use clap::Args;
use seccomp_kit::arch::Arch;
use seccomp_kit::caps::CapSet;
use seccomp_kit::policy::{Decision, EnosysMode, Policy, PolicyOptions};
use seccomp_kit::profile::{default_profile, Action, KernelVersion, Profile, Warning};
use seccomp_kit::resolve::{resolve, Resolved, Target};
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnosysArg {
    Runc,
    Tables,
    Off,
}

#[derive(Args, Clone, Debug)]
pub struct Common {
    /// Profile in Docker/moby JSON (default: seccomp-kit's built-in profile).
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// The exact capability set, comma-separated (SYS_ADMIN, CAP_SYS_ADMIN,
    /// sys_admin and ALL are accepted). Default: Docker's 14 default capabilities.
    #[arg(long, conflicts_with_all = ["cap_add", "cap_drop"])]
    pub caps: Option<String>,
    /// Add a capability to Docker's default set (repeatable; ALL adds all).
    #[arg(long = "cap-add", value_name = "CAP")]
    pub cap_add: Vec<String>,
    /// Drop a capability from Docker's default set (repeatable; ALL drops all).
    #[arg(long = "cap-drop", value_name = "CAP")]
    pub cap_drop: Vec<String>,
    /// The ABI of the calling process: x86_64, x86, x32, aarch64, … (also
    /// SCMP_ARCH_* and Go names such as amd64 or 386). Default: this machine's.
    #[arg(long)]
    pub arch: Option<String>,
    /// The architecture that resolves the profile (archMap, includes.arches).
    /// Default: --arch, or x86_64 for an x32 process.
    #[arg(long = "host-arch")]
    pub host_arch: Option<String>,
    /// The host kernel "X.Y" compared with minKernel. Default: the running kernel.
    #[arg(long)]
    pub kernel: Option<String>,
    /// Which syscalls newer than the profile get ENOSYS: runc (above the
    /// largest syscall the profile names on each ABI), tables (above the
    /// largest syscall seccomp-kit's table knows; all known ones get the
    /// profile's decision) or off (none, as crun and youki).
    #[arg(long, value_enum, default_value = "runc")]
    pub enosys: EnosysArg,
    /// Also list the names skipped on an ABI and the rules left out.
    #[arg(long, short)]
    pub verbose: bool,
    /// Action for syscalls from an ABI the filter does not cover.
    #[arg(long, default_value = "SCMP_ACT_KILL_THREAD", value_name = "ACTION")]
    pub bad_arch_action: String,
}

/// Everything a command needs, parsed and checked.
pub struct Loaded {
    pub profile: Profile,
    pub warnings: Vec<Warning>,
    pub source: String,
    pub target: Target,
    pub arch: Arch,
    pub policy_options: PolicyOptions,
    pub verbose: bool,
}

impl Common {
    pub fn load(&self) -> Result<Loaded, String> {
        let (profile, warnings, source) = match &self.profile {
            None => {
                // Parsing the printed form gives every rule the line it has
                // in `seccomp-kit profile default`.
                let text = default_profile().to_json();
                let loaded = Profile::from_json(&text)
                    .map_err(|e| format!("built-in default profile: {e}"))?;
                (
                    loaded.profile,
                    loaded.warnings,
                    "the built-in default profile".to_string(),
                )
            }
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let loaded =
                    Profile::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                (loaded.profile, loaded.warnings, path.display().to_string())
            }
        };
        for warning in &warnings {
            eprintln!("warning: {source}: {warning}");
        }
        let arch = match &self.arch {
            Some(name) => name.parse::<Arch>().map_err(|e| format!("--arch: {e}"))?,
            None => Arch::native(),
        };
        let host_arch = match &self.host_arch {
            Some(name) => name
                .parse::<Arch>()
                .map_err(|e| format!("--host-arch: {e}"))?,
            None => seccomp_kit::analysis::explain::host_for(arch),
        };
        let caps = self.caps()?;
        let kernel = match &self.kernel {
            Some(text) => parse_kernel(text)?,
            None => KernelVersion::running()
                .ok_or("cannot read the running kernel's version; pass --kernel X.Y")?,
        };
        let bad_arch = Action::from_name(&self.bad_arch_action)
            .filter(|a| !a.takes_errno())
            .ok_or_else(|| format!("--bad-arch-action: invalid action {:?}; use SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_LOG or SCMP_ACT_ALLOW", self.bad_arch_action))?;
        let mut policy_options = PolicyOptions::new(host_arch);
        policy_options.bad_arch = Decision::new(bad_arch, 0);
        policy_options.enosys = match self.enosys {
            EnosysArg::Runc => EnosysMode::Runc,
            EnosysArg::Tables => EnosysMode::Tables,
            EnosysArg::Off => EnosysMode::Off,
        };
        Ok(Loaded {
            profile,
            warnings,
            source,
            target: Target::new(host_arch, caps, kernel),
            arch,
            policy_options,
            verbose: self.verbose,
        })
    }

    fn caps(&self) -> Result<CapSet, String> {
        let set = match &self.caps {
            Some(list) => {
                let names: Vec<&str> = list.split(',').collect();
                CapSet::from_names(&names)
            }
            None => CapSet::docker_default().with_changes(&self.cap_add, &self.cap_drop),
        };
        set.map_err(|e| e.to_string())
    }
}

fn parse_kernel(text: &str) -> Result<KernelVersion, String> {
    KernelVersion::parse_release(text).ok_or_else(|| {
        format!("--kernel: invalid kernel version {text:?}; write it as X.Y, for example 6.1")
    })
}

impl Loaded {
    pub fn resolved(&self) -> Result<Option<Resolved>, String> {
        resolve(&self.profile, &self.target).map_err(|e| format!("{}: {e}", self.source))
    }

    pub fn policy(&self) -> Result<Option<Policy>, String> {
        let Some(resolved) = self.resolved()? else {
            return Ok(None);
        };
        Policy::build(&resolved, &self.policy_options)
            .map(Some)
            .map_err(|e| format!("{}: {e}", self.source))
    }

    pub fn warning_texts(&self) -> Vec<String> {
        self.warnings.iter().map(|w| w.to_string()).collect()
    }

    pub fn host_native(&self) -> Arch {
        Arch::native()
    }
}
