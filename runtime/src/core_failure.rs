//! CO-RE failures explained. A CO-RE relocation that cannot be resolved
//! poisons its instruction (a call to helper `0xbad2310`), which the
//! verifier rejects only if that instruction can run, as
//! `123: (85) call unknown#195896080` / `invalid func unknown#195896080`.
//! As libbpf does, those two lines of the log are replaced by which
//! relocation failed and why; the rest of the log is kept as the kernel
//! wrote it.

use crate::error::Error;

/// The verifier's line for a call to the poison helper.
const INVALID: &str = "invalid func unknown#195896080";

/// `log` with the poisoned-call lines among its last ten replaced by the
/// explanation of the failed relocation at that instruction, or `None`
/// if the log does not end in such a rejection (or the instruction is not
/// one CO-RE poisoned).
pub(crate) fn explain_log(log: &str, failures: &[(usize, String)]) -> Option<String> {
    let lines: Vec<&str> = log.split_inclusive('\n').collect();
    let tail = lines.len().saturating_sub(10);
    let at = (tail..lines.len())
        .rev()
        .find(|&i| lines.get(i).is_some_and(|l| l.starts_with(INVALID)))?;
    let prev_at = at.checked_sub(1)?;
    let prev = lines.get(prev_at)?;
    let (idx, rest) = prev.split_once(": ")?;
    if !rest.contains("call unknown#195896080") {
        return None;
    }
    let insn: usize = idx.trim().parse().ok()?;
    let why = failures.iter().find(|(i, _)| *i == insn).map(|(_, w)| w)?;
    let mut out = String::with_capacity(log.len() + why.len());
    for l in lines.get(..prev_at)? {
        out.push_str(l);
    }
    out.push_str(&format!(
        "{insn}: <invalid CO-RE relocation>\nfailed to resolve CO-RE relocation {why}\n"
    ));
    for l in lines.get(at + 1..)? {
        out.push_str(l);
    }
    Some(out)
}

/// `err` with its verifier log explained if it is a rejection of an
/// instruction CO-RE poisoned; any other error unchanged.
pub(crate) fn explain(err: Error, failures: &[(usize, String)]) -> Error {
    match err {
        Error::Verifier {
            subject,
            source,
            log,
        } => {
            let log = explain_log(&log, failures).unwrap_or(log);
            Error::Verifier {
                subject,
                source,
                log,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poisoned_call_lines_are_replaced_and_the_rest_kept() {
        let log = "func#0 @0\n0: R1=ctx() R10=fp0\n0: (85) call bpf_get_prandom_u32#7\n\
                   1: (85) call unknown#195896080\ninvalid func unknown#195896080\n\
                   processed 2 insns\n";
        let failures = vec![(
            1,
            "<byte_off> [2] struct s.foo (0:1 @ offset 4): field `s.foo` not found in the kernel"
                .to_string(),
        )];
        let out = explain_log(log, &failures).unwrap();
        assert_eq!(
            out,
            "func#0 @0\n0: R1=ctx() R10=fp0\n0: (85) call bpf_get_prandom_u32#7\n\
             1: <invalid CO-RE relocation>\nfailed to resolve CO-RE relocation \
             <byte_off> [2] struct s.foo (0:1 @ offset 4): field `s.foo` not found in the kernel\n\
             processed 2 insns\n"
        );
        // Another instruction, or another rejection: unchanged.
        assert!(explain_log(log, &[(7, "x".into())]).is_none());
        assert!(explain_log(
            "0: (85) call unknown#5\ninvalid func unknown#5\n",
            &failures
        )
        .is_none());
    }
}
