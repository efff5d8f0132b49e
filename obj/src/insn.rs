//! BPF instructions: the 8-byte encoding and the few opcodes the relocator
//! needs to recognise.

/// Size of one instruction in bytes.
pub const INSN_SIZE: usize = 8;

/// `BPF_LD | BPF_IMM | BPF_DW`: the first half of a 16-byte `ld_imm64`.
pub const LD_IMM64: u8 = 0x18;
/// `BPF_JMP | BPF_CALL`.
pub const CALL: u8 = 0x85;

/// `src_reg` of an `ld_imm64` whose `imm` is a map fd.
pub const PSEUDO_MAP_FD: u8 = 1;
/// `src_reg` of an `ld_imm64` whose first `imm` is a map fd and second an
/// offset into the map's value.
pub const PSEUDO_MAP_VALUE: u8 = 2;
/// `src_reg` of a call to a bpf-to-bpf function (relative `imm`).
pub const PSEUDO_CALL: u8 = 1;
/// `src_reg` of an `ld_imm64` that loads a function pointer (relative `imm`).
pub const PSEUDO_FUNC: u8 = 4;
/// `src_reg` of a call to a kernel function.
pub const PSEUDO_KFUNC_CALL: u8 = 2;

/// One BPF instruction, exactly as the kernel's `struct bpf_insn`.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Insn {
    /// Opcode.
    pub code: u8,
    /// `dst_reg` in the low nibble, `src_reg` in the high nibble.
    pub regs: u8,
    /// Signed offset.
    pub off: i16,
    /// Signed immediate.
    pub imm: i32,
}

impl Insn {
    /// Decodes one little-endian instruction.
    pub fn from_bytes(b: [u8; INSN_SIZE]) -> Self {
        Insn {
            code: b[0],
            regs: b[1],
            off: i16::from_le_bytes([b[2], b[3]]),
            imm: i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }

    /// Encodes this instruction little-endian.
    pub fn to_bytes(self) -> [u8; INSN_SIZE] {
        let off = self.off.to_le_bytes();
        let imm = self.imm.to_le_bytes();
        [
            self.code, self.regs, off[0], off[1], imm[0], imm[1], imm[2], imm[3],
        ]
    }

    /// The source register (also the "pseudo" tag of calls and `ld_imm64`).
    pub fn src_reg(self) -> u8 {
        self.regs >> 4
    }

    /// Replaces the source register.
    pub fn set_src_reg(&mut self, src: u8) {
        self.regs = (self.regs & 0x0f) | (src << 4);
    }

    /// Whether this is the first half of an `ld_imm64`.
    pub fn is_ld_imm64(self) -> bool {
        self.code == LD_IMM64
    }

    /// Whether this is a bpf-to-bpf call.
    pub fn is_pseudo_call(self) -> bool {
        self.code == CALL && self.src_reg() == PSEUDO_CALL
    }
}

impl std::fmt::Debug for Insn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Insn {{ code: {:#04x}, dst: {}, src: {}, off: {}, imm: {} }}",
            self.code,
            self.regs & 0x0f,
            self.src_reg(),
            self.off,
            self.imm
        )
    }
}

/// Decodes a section's bytes into instructions. `len % 8 != 0` is an error
/// the caller reports with the section's name.
pub fn decode(bytes: &[u8]) -> Option<Vec<Insn>> {
    if bytes.len() % INSN_SIZE != 0 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(INSN_SIZE)
            .map(|c| {
                let mut b = [0u8; INSN_SIZE];
                b.copy_from_slice(c);
                Insn::from_bytes(b)
            })
            .collect(),
    )
}

/// Encodes instructions into the byte stream `BPF_PROG_LOAD` takes.
pub fn encode(insns: &[Insn]) -> Vec<u8> {
    insns.iter().flat_map(|i| i.to_bytes()).collect()
}
