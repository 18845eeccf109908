use seccomp_kit::{arch::Arch, bpf, caps::CapSet, policy::*, profile::*, resolve::*};
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = Profile::from_json(&text).unwrap();
    for w in &loaded.warnings {
        println!("warning: {w}");
    }
    let target = Target::new(
        Arch::X86_64,
        CapSet::docker_default(),
        KernelVersion::new(6, 18),
    );
    let resolved = resolve(&loaded.profile, &target).unwrap().unwrap();
    let policy = Policy::build(&resolved, &PolicyOptions::new(Arch::X86_64)).unwrap();
    for n in policy.notes.iter().take(5) {
        println!("note: {n}");
    }
    let prog = bpf::compile(&policy).unwrap();
    println!("len {}", prog.len());
    let mut bad = 0;
    for abi in &policy.abis {
        let base = if abi.arch == Arch::X32 {
            0x4000_0000
        } else {
            0
        };
        for nr in (0..600u32)
            .map(|n| n + base)
            .chain([u32::MAX, 0x8000_0000, 0x4000_0001])
        {
            let want = policy.decide(abi.arch.audit_arch(), nr, [0; 6]);
            let got = bpf::emulator::run(
                &prog,
                &bpf::SeccompData::new(abi.arch.audit_arch(), nr, [0; 6]),
                false,
            )
            .unwrap();
            if got != want.decision.ret_value() {
                bad += 1;
                if bad < 5 {
                    println!(
                        "{} {nr:#x}: want {} got {}",
                        abi.arch,
                        want.decision,
                        Decision::from_ret_value(got)
                    );
                }
            }
        }
    }
    println!("mismatches {bad}");
    if std::env::args().nth(2).is_some() {
        print!("{}", bpf::disasm::disassemble(&prog, Some(Arch::X86_64)));
    }
}
