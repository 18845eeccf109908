use seccomp_kit::{arch::Arch, bpf, caps::CapSet, policy::*, profile::*, resolve::*};
fn main() {
    let profile = match std::env::args().nth(1) {
        Some(p) => {
            Profile::from_json(&std::fs::read_to_string(p).unwrap())
                .unwrap()
                .profile
        }
        None => default_profile(),
    };
    let target = Target::new(
        Arch::X86_64,
        CapSet::docker_default(),
        KernelVersion::new(6, 18),
    );
    let resolved = resolve(&profile, &target).unwrap().unwrap();
    let policy = Policy::build(&resolved, &PolicyOptions::new(Arch::X86_64)).unwrap();
    let t = std::time::Instant::now();
    let prog = bpf::compile(&policy).unwrap();
    println!("len {} compile {:?}", prog.len(), t.elapsed());
    for abi in [Arch::X86_64, Arch::X86, Arch::X32] {
        let (mut n, mut sum, mut max, mut dmax) = (0, 0, 0, 0);
        for (name, nr) in abi.syscalls() {
            let mut count = 0;
            let r = bpf::emulator::run_verified(
                &prog,
                &bpf::SeccompData::new(abi.audit_arch(), nr, [0; 6]),
                false,
                &mut |_| count += 1,
            );
            n += 1;
            sum += count;
            max = max.max(count);
            if Decision::from_ret_value(r).action != Action::Allow {
                dmax = dmax.max(count);
            }
            if ["clone", "socket", "personality", "clone3", "io_uring_setup"].contains(&name) {
                print!("{name}:{count} ");
            }
        }
        println!(
            "\n{abi}: mean {:.1} max {max} denied-max {dmax}",
            sum as f64 / n as f64
        );
    }
    for (name, args) in [
        ("socket", [38u64, 0, 0, 0, 0, 0]),
        ("socket", [1, 0, 0, 0, 0, 0]),
        ("personality", [0xffffffff, 0, 0, 0, 0, 0]),
        ("personality", [9, 0, 0, 0, 0, 0]),
        ("clone", [0x7e020000, 0, 0, 0, 0, 0]),
    ] {
        let nr = Arch::X86_64.syscall_number(name).unwrap();
        let mut count = 0;
        let r = bpf::emulator::run_verified(
            &prog,
            &bpf::SeccompData::new(Arch::X86_64.audit_arch(), nr, args),
            false,
            &mut |_| count += 1,
        );
        println!(
            "{name} {:#x}: {count} -> {}",
            args[0],
            Decision::from_ret_value(r)
        );
    }
}
#[allow(dead_code)]
fn unused() {}
