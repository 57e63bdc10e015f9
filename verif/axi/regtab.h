// verif/axi/regtab.h: the generated register map (sparsegen_regs.h) as a
// table, for the testbenches that check every register through a bus
// (verif/axi/tb_axi.cpp over AXI4-Lite pins, verif/systemc/sc_main.cpp over
// the TLM socket).  Include after sparsegen_params.h and sparsegen_regs.h.
#ifndef SG_VERIF_REGTAB_H
#define SG_VERIF_REGTAB_H

#include <cstdint>

// every register of the generated map
struct RegInfo {
    const char *name; // as in SG_REG_<name>
    uint32_t offset;  // byte offset
    int access;       // SG_ACCESS_RO, _RW or _W1C
    uint32_t reset;   // value after aresetn
    uint32_t wmask;   // bits a write stores
    int is_const;     // 1: an identity register
    int pair;         // 1: LO of a 64-bit counter, 2: HI, 0: neither
};
static const RegInfo regs[] = {
#define X(name, off, acc, reset, wmask, cnst, pair) {#name, off, acc, reset, wmask, cnst, pair},
    SG_REGS_FOREACH(X)
#undef X
};
static const int n_regs = (int)(sizeof regs / sizeof regs[0]);

// "1.2.3" -> 0x010203 (missing parts 0, each part at most 255): the VERSION
// register as the configuration's SG_CFG_VERSION implies it, worked out
// here rather than taken from the header under test
static inline uint32_t version_word(const char *v)
{
    uint32_t w = 0;
    for (int part = 0; part < 3; part++) {
        uint32_t n = 0;
        while (*v >= '0' && *v <= '9') n = n * 10 + (uint32_t)(*v++ - '0');
        w = w << 8 | (n > 255 ? 255 : n);
        if (*v == '.') v++;
    }
    return w;
}

// a register field: (v & mask) >> shift
static inline uint32_t field(uint32_t v, uint32_t mask, int shift) { return (v & mask) >> shift; }

#endif
