//! The program digest exactly as the kernel computes it (`bpf_prog_calc_tag`
//! in Linux 6.18): SHA-256 over the instructions as passed to
//! `BPF_PROG_LOAD`, with the `imm` of both halves of every `ld_imm64` whose
//! `src_reg` is `BPF_PSEUDO_MAP_FD` or `BPF_PSEUDO_MAP_VALUE` zeroed, so
//! the digest does not depend on map file descriptor numbers.
//!
//! An exclusive map is created with the digest of the one program allowed
//! to use it; the kernel's prog tag is the digest's first 8 bytes.

use sha2::{Digest, Sha256};

use crate::insn::{Insn, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE};

/// The SHA-256 digest of a program's final instruction stream.
pub fn program_digest(insns: &[Insn]) -> [u8; 32] {
    Sha256::digest(digest_input(insns)).into()
}

/// The bytes the kernel digests: the instructions with the `imm` of both
/// halves of every map-fd / map-value `ld_imm64` zeroed. Before Linux 6.18
/// the kernel's prog tag is the first 8 bytes of SHA-1 over these same
/// bytes (6.18 switched `bpf_prog_calc_tag` to SHA-256).
pub fn digest_input(insns: &[Insn]) -> Vec<u8> {
    let mut out = Vec::with_capacity(insns.len() * 8);
    let mut zero_next = false;
    for ins in insns {
        let mut ins = *ins;
        if zero_next {
            ins.imm = 0;
            zero_next = false;
        } else if ins.is_ld_imm64() && matches!(ins.src_reg(), PSEUDO_MAP_FD | PSEUDO_MAP_VALUE) {
            ins.imm = 0;
            zero_next = true;
        }
        out.extend_from_slice(&ins.to_bytes());
    }
    out
}

/// Formats a digest (or a prefix of one) as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_fds_do_not_change_the_digest() {
        let mut a = vec![
            Insn {
                code: 0x18,
                regs: 0x11,
                off: 0,
                imm: 5,
            },
            Insn {
                code: 0,
                regs: 0,
                off: 0,
                imm: 0,
            },
            Insn {
                code: 0x95,
                regs: 0,
                off: 0,
                imm: 0,
            },
        ];
        let d1 = program_digest(&a);
        a[0].imm = 9;
        assert_eq!(d1, program_digest(&a));
        // A plain ld_imm64 constant is hashed as is.
        a[0].set_src_reg(0);
        let d2 = program_digest(&a);
        a[0].imm = 10;
        assert_ne!(d2, program_digest(&a));
        // Empty input is SHA-256 of nothing.
        assert_eq!(
            hex(&program_digest(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
