//! `seccomp-kit`: the command-line interface. Each subcommand is a thin
//! wrapper over one stage of the library.

mod cmd;
mod options;

use clap::{Parser, Subcommand, ValueEnum};
use options::{Common, Loaded};
use seccomp_kit::analysis::explain::{explain, explain_all_caps, Query, SyscallRef};
use seccomp_kit::apply::{apply_and_exec, Setup};
use seccomp_kit::bpf;
use seccomp_kit::policy::Note;
use seccomp_kit::profile::{default_profile, Profile};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for usage and input errors.
const EXIT_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "seccomp-kit",
    version,
    about = "Resolve, compile, explain and apply Docker/OCI seccomp profiles"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Print or check profiles.
    Profile {
        #[command(subcommand)]
        command: ProfileCommand,
    },
    /// Print the OCI `linux.seccomp` section the profile resolves to.
    Resolve {
        #[command(flatten)]
        common: Common,
        /// Output format: the OCI section (text), or the section with the
        /// rules left out and the warnings (json).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Explain the decision for one syscall.
    Explain {
        #[command(flatten)]
        common: Common,
        /// Output format: a readable explanation (text) or an object with
        /// `syscall`, `arch`, `nr`, `action`, `errno`, `rule` and `bpf_action` (json).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Syscall name or number on --arch.
        syscall: String,
        /// Up to six arguments, as unsigned 64-bit decimal or 0x-hex numbers.
        args: Vec<String>,
        /// Show the decision under the given capabilities, with each
        /// capability the profile names added (or dropped, if present), and
        /// with all capabilities: one line per distinct decision.
        #[arg(long)]
        all_caps: bool,
    },
    /// Compile the resolved profile to classic BPF.
    Compile {
        #[command(flatten)]
        common: Common,
        /// Output file for the filter; `-` for standard output.
        #[arg(long, short, default_value = "-")]
        output: PathBuf,
        /// raw: `struct sock_filter[]` in native byte order (for `bwrap
        /// --seccomp`); text: a disassembly; json: instructions as objects.
        #[arg(long, value_enum, default_value = "raw")]
        format: CompileFormat,
    },
    /// Show which syscalls each capability unlocks, per architecture.
    Matrix(cmd::matrix::MatrixArgs),
    /// Compare the decisions of two profiles.
    Diff(cmd::diff::DiffArgs),
    /// Check a profile for mistakes.
    Lint(cmd::lint::LintArgs),
    /// Generate or check documentation of what the profile blocks.
    Docs(cmd::docs::DocsArgs),
    /// Run a command under the resolved profile: capabilities, no_new_privs
    /// and the filter, then exec.
    Run {
        #[command(flatten)]
        common: Common,
        /// Keep the current capabilities instead of setting them from --caps,
        /// --cap-add and --cap-drop.
        #[arg(long)]
        keep_caps: bool,
        /// The command and its arguments.
        /// The command and its arguments, after `--`.
        #[arg(required = true, last = true)]
        command: Vec<std::ffi::OsString>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CompileFormat {
    Raw,
    Text,
    Json,
}

#[derive(Subcommand)]
enum ProfileCommand {
    /// Print seccomp-kit's built-in default profile in Docker JSON.
    Default,
    /// Parse a profile and report errors and warnings.
    Check {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Profile { command } => profile_command(command),
        Command::Resolve { common, format } => resolve_command(&common, format),
        Command::Explain {
            common,
            format,
            syscall,
            args,
            all_caps,
        } => explain_command(&common, format, &syscall, &args, all_caps),
        Command::Compile {
            common,
            output,
            format,
        } => compile_command(&common, &output, format),
        Command::Run {
            common,
            keep_caps,
            command,
        } => run_command(&common, keep_caps, &command),
        Command::Matrix(args) => cmd::matrix::run(&args),
        Command::Diff(args) => cmd::diff::run(&args),
        Command::Lint(args) => cmd::lint::run(&args),
        Command::Docs(args) => cmd::docs::run(&args),
    }
}

/// Writes to standard output; a closed pipe (`seccomp-kit … | head`) ends
/// the program quietly instead of panicking.
fn emit(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}

fn print_json(value: &serde_json::Value) {
    emit(&format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    ));
}

fn profile_command(command: ProfileCommand) -> Result<ExitCode, String> {
    match command {
        ProfileCommand::Default => {
            emit(&format!("{}\n", default_profile().to_json()));
            Ok(ExitCode::SUCCESS)
        }
        ProfileCommand::Check { file, format } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let warnings_json = |warnings: &[seccomp_kit::profile::Warning]| {
                warnings
                    .iter()
                    .map(|w| {
                        serde_json::json!({
                            "path": w.path, "line": w.location.line, "column": w.location.column, "message": w.message,
                        })
                    })
                    .collect::<Vec<_>>()
            };
            let (valid, json, report) = match Profile::from_json(&text) {
                Err(err) => (
                    false,
                    serde_json::json!({
                        "file": file.display().to_string(),
                        "valid": false,
                        "error": {"path": err.path, "line": err.location.line, "column": err.location.column, "message": err.message, "hint": err.hint},
                    }),
                    format!("{}: {err}\n", file.display()),
                ),
                Ok(loaded) => {
                    let mut report = String::new();
                    for warning in &loaded.warnings {
                        report.push_str(&format!("{}: warning: {warning}\n", file.display()));
                    }
                    // What the reader accepts can still fail resolution (for
                    // example rules without a default action), which moby and
                    // runc reject when the container starts.
                    let problem = check_resolves(&loaded.profile).err();
                    match &problem {
                        Some(problem) => {
                            report.push_str(&format!("{}: {problem}\n", file.display()))
                        }
                        None => report.push_str(&format!(
                            "{}: valid profile with {} rules\n",
                            file.display(),
                            loaded.profile.syscalls.len()
                        )),
                    }
                    let json = serde_json::json!({
                        "file": file.display().to_string(),
                        "valid": problem.is_none(),
                        "rules": loaded.profile.syscalls.len(),
                        "warnings": warnings_json(&loaded.warnings),
                        "error": problem.map(|p| serde_json::json!({"path": "$", "message": p})),
                    });
                    (json["valid"] == true, json, report)
                }
            };
            match format {
                Format::Json => print_json(&json),
                Format::Text => emit(&report),
            }
            Ok(if valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_INPUT)
            })
        }
    }
}

/// Resolves the profile for this machine with Docker's default capabilities,
/// which raises the errors moby raises when a container starts.
fn check_resolves(profile: &Profile) -> Result<(), String> {
    use seccomp_kit::{arch::Arch, caps::CapSet, profile::KernelVersion, resolve};
    let host = seccomp_kit::analysis::explain::host_for(Arch::native());
    let kernel = KernelVersion::running().unwrap_or(KernelVersion::new(6, 1));
    let target = resolve::Target::new(host, CapSet::docker_default(), kernel);
    resolve::resolve(profile, &target)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn resolve_command(common: &Common, format: Format) -> Result<ExitCode, String> {
    let loaded = common.load()?;
    let Some(resolved) = loaded.resolved()? else {
        match format {
            Format::Json => print_json(
                &serde_json::json!({"seccomp": null, "reason": "the profile disables seccomp"}),
            ),
            Format::Text => emit("null\n"),
        }
        return Ok(ExitCode::SUCCESS);
    };
    let oci = serde_json::to_value(resolved.to_oci()).map_err(|e| e.to_string())?;
    match format {
        Format::Text => {
            print_json(&oci);
            if loaded.verbose {
                for dropped in &resolved.dropped {
                    eprintln!(
                        "note: syscalls[{}] left out: {}",
                        dropped.source_index, dropped.reason
                    );
                }
            }
        }
        Format::Json => print_json(&serde_json::json!({
            "seccomp": oci,
            "dropped": resolved.dropped.iter().map(|d| serde_json::json!({"index": d.source_index, "reason": d.reason.to_string()})).collect::<Vec<_>>(),
            "warnings": loaded.warning_texts(),
        })),
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_u64(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| {
        format!("invalid argument {text:?}: write an unsigned 64-bit number in decimal or 0x-hex")
    })
}

fn explain_command(
    common: &Common,
    format: Format,
    syscall: &str,
    args: &[String],
    all_caps: bool,
) -> Result<ExitCode, String> {
    if args.len() > 6 {
        return Err(format!(
            "{} arguments given; a syscall has at most 6",
            args.len()
        ));
    }
    let loaded = common.load()?;
    let mut values = [0u64; 6];
    for (slot, text) in values.iter_mut().zip(args) {
        *slot = parse_u64(text)?;
    }
    let syscall = match syscall.parse::<u32>() {
        Ok(nr) => SyscallRef::Number(nr),
        Err(_) if syscall.starts_with("0x") => SyscallRef::Number(parse_u64(syscall)? as u32),
        Err(_) => SyscallRef::Name(syscall.to_string()),
    };
    let query = Query {
        target: loaded.target.clone(),
        arch: loaded.arch,
        options: loaded.policy_options.clone(),
        syscall,
        args: values,
    };
    if all_caps {
        let explanations = explain_all_caps(&loaded.profile, &query).map_err(|e| e.to_string())?;
        match format {
            Format::Json => print_json(&explanations.to_json()),
            Format::Text => emit(&explanations.to_string()),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let explanation = explain(&loaded.profile, &query).map_err(|e| e.to_string())?;
    match format {
        Format::Json => print_json(&explanation.to_json()),
        Format::Text => emit(&explanation.to_string()),
    }
    Ok(ExitCode::SUCCESS)
}

/// Compiles the loaded profile; `report` prints the model's notes to stderr
/// (`run` leaves them out of the command's stderr unless --verbose).
fn compile_program(loaded: &Loaded, report: bool) -> Result<Vec<bpf::SockFilter>, String> {
    let Some(policy) = loaded.policy()? else {
        return Err("the profile disables seccomp (empty defaultAction and no rules); there is no filter to compile".to_string());
    };
    let mut unknown_names = 0;
    for note in policy.notes.iter().filter(|_| report || loaded.verbose) {
        match note {
            Note::UnknownName { .. } if !loaded.verbose => unknown_names += 1,
            _ => eprintln!("note: {note}"),
        }
    }
    if unknown_names > 0 && report {
        eprintln!("note: {unknown_names} names are not syscalls on one of the filter's ABIs and are skipped there, as runc does (--verbose lists them)");
    }
    bpf::compile(&policy).map_err(|e| e.to_string())
}

fn compile_command(
    common: &Common,
    output: &PathBuf,
    format: CompileFormat,
) -> Result<ExitCode, String> {
    let loaded = common.load()?;
    let program = compile_program(&loaded, true)?;
    let bytes = match format {
        CompileFormat::Raw => bpf::to_bytes(&program),
        CompileFormat::Text => bpf::disasm::disassemble(&program, Some(loaded.arch)).into_bytes(),
        CompileFormat::Json => {
            let insns: Vec<_> = program
                .iter()
                .map(|i| serde_json::json!({"code": i.code, "jt": i.jt, "jf": i.jf, "k": i.k}))
                .collect();
            let mut text = serde_json::to_string_pretty(
                &serde_json::json!({"length": program.len(), "instructions": insns}),
            )
            .unwrap_or_default();
            text.push('\n');
            text.into_bytes()
        }
    };
    if output.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(&bytes)
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return Ok(ExitCode::SUCCESS);
        }
    } else {
        std::fs::write(output, &bytes)
            .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
        eprintln!(
            "wrote {} instructions ({} bytes) to {}",
            program.len(),
            bytes.len(),
            output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_command(
    common: &Common,
    keep_caps: bool,
    command: &[std::ffi::OsString],
) -> Result<ExitCode, String> {
    let loaded = common.load()?;
    if loaded.arch != loaded.host_native() {
        return Err(format!(
            "run installs a filter on this machine, so --arch and --host-arch must be this machine's architecture ({})",
            loaded.host_native()
        ));
    }
    let program = compile_program(&loaded, false)?;
    let flags = loaded.profile.flags.clone();
    let setup = Setup {
        caps: (!keep_caps).then_some(&loaded.target.caps),
        program: &program,
        flags: flags.as_deref(),
    };
    let err = apply_and_exec(&setup, command);
    Err(format!("{err}; the command was not run"))
}
