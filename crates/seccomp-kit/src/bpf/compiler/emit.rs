//! The program builder: emits instructions backwards, from the last to the
//! first, so every jump target exists when the jump is written.

use crate::bpf::insn::*;
use crate::policy::Decision;
use std::collections::HashMap;

/// A position in the program under construction: the number of instructions
/// emitted before it, counted from the end of the program.
pub(super) type Label = usize;

/// The accumulator's content where a jump is taken, so that a target that
/// starts by loading the same word can be entered after its load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Accumulator {
    /// A 32-bit word of `seccomp_data` at this offset.
    Word(u32),
    Unknown,
}

#[derive(Default)]
pub(super) struct Emitter {
    /// Instructions in reverse order.
    reversed: Vec<SockFilter>,
    /// Identical instructions with identical successors are emitted once:
    /// (code, k, true target, false target) for jumps, (code, k, next, next)
    /// for the rest.
    emitted: HashMap<(u16, u32, Label, Label), Label>,
    /// Return values by label, to copy a `ret` instead of jumping far to it.
    ret_at: HashMap<Label, u32>,
    /// `ld [k]` instructions by label.
    load_at: HashMap<Label, u32>,
}

impl Emitter {
    /// The jump offset from the next emitted instruction to `target`.
    fn offset_to(&self, target: Label) -> usize {
        self.reversed.len() - target - 1
    }

    fn push(&mut self, insn: SockFilter) -> Label {
        self.reversed.push(insn);
        self.reversed.len() - 1
    }

    pub(super) fn ret(&mut self, decision: Decision) -> Label {
        let value = decision.ret_value();
        let key = (BPF_RET | BPF_K, value, 0, 0);
        if let Some(&label) = self.emitted.get(&key) {
            return label;
        }
        let label = self.fresh_ret(value);
        self.emitted.insert(key, label);
        label
    }

    fn fresh_ret(&mut self, value: u32) -> Label {
        let label = self.push(stmt(BPF_RET | BPF_K, value));
        self.ret_at.insert(label, value);
        label
    }

    /// Makes `target` reachable with an 8-bit offset from the next
    /// instruction: a copy of its `ret`, or a `ja` to it.
    fn near(&mut self, target: Label) -> Label {
        if self.offset_to(target) <= 255 {
            return target;
        }
        if let Some(&value) = self.ret_at.get(&target) {
            return self.fresh_ret(value);
        }
        let offset = self.offset_to(target) as u32;
        self.push(stmt(BPF_JMP | BPF_JA, offset))
    }

    /// Emits a non-jump instruction that continues at `next`.
    pub(super) fn stmt(&mut self, code: u16, k: u32, next: Label) -> Label {
        let key = (code, k, next, next);
        if let Some(&label) = self.emitted.get(&key) {
            return label;
        }
        if self.offset_to(next) != 0 {
            let offset = self.offset_to(next) as u32;
            self.push(stmt(BPF_JMP | BPF_JA, offset));
        }
        let label = self.push(stmt(code, k));
        self.emitted.insert(key, label);
        label
    }

    /// Emits `ld [offset]` continuing at `next`.
    pub(super) fn load(&mut self, offset: u32, next: Label) -> Label {
        let label = self.stmt(BPF_LD | BPF_W | BPF_ABS, offset, next);
        self.load_at.insert(label, offset);
        label
    }

    /// Skips a target's leading load when the accumulator already holds
    /// that word. The load falls through to the instruction emitted just
    /// before it, which is its label minus one.
    fn skip_reload(&self, target: Label, accumulator: Accumulator) -> Label {
        match (accumulator, self.load_at.get(&target)) {
            (Accumulator::Word(word), Some(&offset)) if word == offset => target - 1,
            _ => target,
        }
    }

    /// Emits a conditional jump to `on_true` or `on_false`, taken with
    /// `accumulator` in A.
    pub(super) fn jump(
        &mut self,
        code: u16,
        k: u32,
        on_true: Label,
        on_false: Label,
        accumulator: Accumulator,
    ) -> Label {
        let on_true = self.skip_reload(on_true, accumulator);
        let on_false = self.skip_reload(on_false, accumulator);
        if on_true == on_false {
            return on_true;
        }
        let key = (code, k, on_true, on_false);
        if let Some(&label) = self.emitted.get(&key) {
            return label;
        }
        let (mut near_true, mut near_false) = (self.near(on_true), self.near(on_false));
        // A second trampoline moves the first one's target by one.
        while self.offset_to(near_true) > 255 || self.offset_to(near_false) > 255 {
            near_true = self.near(near_true);
            near_false = self.near(near_false);
        }
        let jt = self.offset_to(near_true) as u8;
        let jf = self.offset_to(near_false) as u8;
        let label = self.push(jump(code, k, jt, jf));
        self.emitted.insert(key, label);
        label
    }

    pub(super) fn finish(self) -> Vec<SockFilter> {
        self.reversed.into_iter().rev().collect()
    }
}
