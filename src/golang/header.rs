//! Checks that a binary really is for its target platform by reading its
//! header: the ELF `e_machine` (with class and byte order), the Mach-O
//! `cputype`, or the PE `Machine` field. Only the first bytes of the file
//! are read; no object-file crate is needed for three fixed offsets.
//!
//! A platform whose binaries have no header we know (plan9, wasm hosts) is
//! reported as [`Check::Unchecked`] rather than guessed at.

use crate::platform::Platform;
use std::io::Read;
use std::path::Path;

/// How much of a file is read: the ELF and Mach-O headers are in the first
/// 20 bytes; PE's header sits at the offset found at 0x3c, which Go's linker
/// keeps small.
const READ: u64 = 4096;

/// The outcome of a header check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The header matches the platform.
    Matches,
    /// The header says something else: what it says, for the error.
    Mismatch(String),
    /// No known header format for this platform; nothing was checked.
    Unchecked,
}

/// What a binary's header says, for messages: `ELF 64-bit LSB x86-64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Header {
    Elf {
        class64: bool,
        little: bool,
        machine: u16,
    },
    MachO {
        cputype: u32,
    },
    Pe {
        machine: u16,
    },
    Wasm,
    Unknown,
}

/// ELF `e_machine` values.
mod em {
    pub const I386: u16 = 3;
    pub const MIPS: u16 = 8;
    pub const PPC64: u16 = 21;
    pub const S390: u16 = 22;
    pub const ARM: u16 = 40;
    pub const X86_64: u16 = 62;
    pub const AARCH64: u16 = 183;
    pub const RISCV: u16 = 243;
    pub const LOONGARCH: u16 = 258;
}

const MACHO_X86_64: u32 = 0x0100_0007;
const MACHO_ARM64: u32 = 0x0100_000c;

const PE_I386: u16 = 0x014c;
const PE_AMD64: u16 = 0x8664;
const PE_ARMNT: u16 = 0x01c4;
const PE_ARM64: u16 = 0xaa64;

impl Header {
    /// Parses the first bytes of a file.
    pub fn parse(bytes: &[u8]) -> Header {
        if bytes.len() >= 20 && bytes.starts_with(b"\x7fELF") {
            let little = bytes[5] == 1;
            let machine = if little {
                u16::from_le_bytes([bytes[18], bytes[19]])
            } else {
                u16::from_be_bytes([bytes[18], bytes[19]])
            };
            return Header::Elf {
                class64: bytes[4] == 2,
                little,
                machine,
            };
        }
        if bytes.len() >= 8 {
            let magic = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            if magic == 0xfeed_facf || magic == 0xfeed_face {
                let cputype = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
                return Header::MachO { cputype };
            }
        }
        if bytes.len() >= 0x40 && bytes.starts_with(b"MZ") {
            let at =
                u32::from_le_bytes([bytes[0x3c], bytes[0x3d], bytes[0x3e], bytes[0x3f]]) as usize;
            if let Some(pe) = bytes.get(at..at + 6)
                && pe.starts_with(b"PE\0\0")
            {
                return Header::Pe {
                    machine: u16::from_le_bytes([pe[4], pe[5]]),
                };
            }
        }
        if bytes.starts_with(b"\0asm") {
            return Header::Wasm;
        }
        Header::Unknown
    }

    /// Reads the header of the file at `path`.
    pub fn read(path: &Path) -> std::io::Result<Header> {
        let mut buf = Vec::with_capacity(READ as usize);
        std::fs::File::open(path)?
            .take(READ)
            .read_to_end(&mut buf)?;
        Ok(Header::parse(&buf))
    }

    /// The header this platform's Go binaries have, if we know it.
    pub fn expected(p: &Platform) -> Option<Header> {
        let arch = p.arch.as_str();
        match p.os.as_str() {
            "darwin" | "ios" => Some(Header::MachO {
                cputype: match arch {
                    "amd64" => MACHO_X86_64,
                    "arm64" => MACHO_ARM64,
                    _ => return None,
                },
            }),
            "windows" => Some(Header::Pe {
                machine: match arch {
                    "386" => PE_I386,
                    "amd64" => PE_AMD64,
                    "arm" => PE_ARMNT,
                    "arm64" => PE_ARM64,
                    _ => return None,
                },
            }),
            "plan9" => None,
            _ if arch == "wasm" => Some(Header::Wasm),
            _ => {
                let (machine, class64, little) = match arch {
                    "386" => (em::I386, false, true),
                    "amd64" => (em::X86_64, true, true),
                    "arm" => (em::ARM, false, true),
                    "arm64" => (em::AARCH64, true, true),
                    "loong64" => (em::LOONGARCH, true, true),
                    "mips" => (em::MIPS, false, false),
                    "mipsle" => (em::MIPS, false, true),
                    "mips64" => (em::MIPS, true, false),
                    "mips64le" => (em::MIPS, true, true),
                    "ppc64" => (em::PPC64, true, false),
                    "ppc64le" => (em::PPC64, true, true),
                    "riscv64" => (em::RISCV, true, true),
                    "s390x" => (em::S390, true, false),
                    _ => return None,
                };
                Some(Header::Elf {
                    class64,
                    little,
                    machine,
                })
            }
        }
    }

    /// Compares this header with what `p`'s binaries should have.
    pub fn check(&self, p: &Platform) -> Check {
        match Header::expected(p) {
            None => Check::Unchecked,
            Some(want) if want == *self => Check::Matches,
            Some(_) => Check::Mismatch(self.to_string()),
        }
    }
}

impl std::fmt::Display for Header {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Header::Elf {
                class64,
                little,
                machine,
            } => {
                let name = match machine {
                    em::I386 => "Intel 80386".to_string(),
                    em::MIPS => "MIPS".to_string(),
                    em::PPC64 => "PowerPC64".to_string(),
                    em::S390 => "IBM S/390".to_string(),
                    em::ARM => "ARM".to_string(),
                    em::X86_64 => "x86-64".to_string(),
                    em::AARCH64 => "ARM aarch64".to_string(),
                    em::RISCV => "RISC-V".to_string(),
                    em::LOONGARCH => "LoongArch".to_string(),
                    m => format!("machine {m}"),
                };
                let bits = if class64 { 64 } else { 32 };
                let order = if little { "LSB" } else { "MSB" };
                write!(f, "an ELF {bits}-bit {order} {name} binary")
            }
            Header::MachO { cputype } => match cputype {
                MACHO_X86_64 => write!(f, "a Mach-O x86_64 binary"),
                MACHO_ARM64 => write!(f, "a Mach-O arm64 binary"),
                c => write!(f, "a Mach-O binary for CPU type {c:#x}"),
            },
            Header::Pe { machine } => match machine {
                PE_I386 => write!(f, "a PE i386 binary"),
                PE_AMD64 => write!(f, "a PE x86-64 binary"),
                PE_ARMNT => write!(f, "a PE ARM binary"),
                PE_ARM64 => write!(f, "a PE arm64 binary"),
                m => write!(f, "a PE binary for machine {m:#x}"),
            },
            Header::Wasm => write!(f, "a WebAssembly module"),
            Header::Unknown => write!(f, "not an executable xbuild recognises"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf(class: u8, data: u8, machine: u16) -> Vec<u8> {
        let mut b = vec![0u8; 64];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = class;
        b[5] = data;
        let m = if data == 1 {
            machine.to_le_bytes()
        } else {
            machine.to_be_bytes()
        };
        b[18..20].copy_from_slice(&m);
        b
    }

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    #[test]
    fn elf_machines() {
        let amd64 = Header::parse(&elf(2, 1, 62));
        assert_eq!(amd64.check(&p("linux/amd64")), Check::Matches);
        assert_eq!(amd64.check(&p("linux/amd64/v3")), Check::Matches);
        assert_eq!(
            amd64.check(&p("linux/arm64")),
            Check::Mismatch("an ELF 64-bit LSB x86-64 binary".into())
        );
        assert_eq!(
            Header::parse(&elf(1, 1, 40)).check(&p("linux/arm/v7")),
            Check::Matches
        );
        assert_eq!(
            Header::parse(&elf(2, 2, 22)).check(&p("linux/s390x")),
            Check::Matches
        );
        // Same machine, wrong byte order.
        assert!(matches!(
            Header::parse(&elf(2, 2, 21)).check(&p("linux/ppc64le")),
            Check::Mismatch(_)
        ));
        assert_eq!(
            Header::parse(&elf(2, 1, 183)).check(&p("freebsd/arm64")),
            Check::Matches
        );
    }

    #[test]
    fn macho_pe_and_others() {
        let mut m = vec![0xcf, 0xfa, 0xed, 0xfe];
        m.extend_from_slice(&MACHO_ARM64.to_le_bytes());
        assert_eq!(Header::parse(&m).check(&p("darwin/arm64")), Check::Matches);
        assert!(matches!(
            Header::parse(&m).check(&p("darwin/amd64")),
            Check::Mismatch(_)
        ));

        let mut pe = vec![0u8; 0x90];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        pe[0x84..0x86].copy_from_slice(&PE_AMD64.to_le_bytes());
        assert_eq!(
            Header::parse(&pe).check(&p("windows/amd64")),
            Check::Matches
        );
        assert_eq!(
            Header::parse(&pe).to_string(),
            "a PE x86-64 binary".to_string()
        );

        assert_eq!(
            Header::parse(b"#!/bin/sh\n").check(&p("linux/amd64")),
            Check::Mismatch("not an executable xbuild recognises".into())
        );
        assert_eq!(Header::Unknown.check(&p("plan9/amd64")), Check::Unchecked);
    }

    #[test]
    fn reads_a_real_binary() {
        // The test binary itself was built for the host.
        let exe = std::env::current_exe().unwrap();
        let h = Header::read(&exe).unwrap();
        assert_eq!(h.check(&Platform::host()), Check::Matches, "{h}");
    }
}
