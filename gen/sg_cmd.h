/* sg_cmd: the command stream on s_axis and the bit layouts it carries.
 *
 * The host (or the harness) drives the accelerator with one stream of beats,
 * StreamW bits each.  A command is a 64-bit header followed by its payload.
 * Anything wider than a beat is cut into beats little-endian: beat j carries
 * bits [j*StreamW +: StreamW]; a record always starts on a new beat and the
 * unused top bits of its last beat are zero.
 *
 * Header (64 bits, SG_HDR_BEATS = ceil(64 / StreamW) beats):
 *
 *   63    60 59  58 57    56  55           40 39           20 19            0
 *  +--------+------+-----+---+---------------+---------------+---------------+
 *  | opcode | act  |final|max| act_max (16)  |   rows (20)   |  count (20)   |
 *  +--------+------+-----+---+---------------+---------------+---------------+
 *
 * Opcodes and payloads:
 *
 *  VEC  count = n elements.  Element i goes to bank i % B at offset i / B of
 *       the vector buffer of every PE (all PE copies are written at once).
 *       Payload: ceil(n / E) beats, E = StreamW / DATA_W elements per beat,
 *       element i in beat i / E at bits [(i % E) * DATA_W +: DATA_W].
 *       Written from address pbase on, up to min(B, E) elements per cycle.
 *  WGT  count = n words per PE.  Payload: for a = 0 .. n-1, for p = 0 .. P-1:
 *       the CSB word for weight-buffer address wbase + a of PE p,
 *       SG_WGT_BEATS beats.
 *  ROW  count = G groups.  Payload: for g = 0 .. G-1, for p = 0 .. P-1: the
 *       row record of row g*P + p of the block, at row-buffer address
 *       rbase + g, SG_ROW_BEATS beats.
 *  RUN  count = G groups, rows = valid rows (G*P - P < rows <= G*P when
 *       final), final = 1: requantize, activate and stream out the rows
 *       (tlast on the beat of the last row); final = 0: write each
 *       accumulator back as the row's partial sum (next column tile).
 *       act: 0 none, 1 relu, 2 relu6 (clamp to act_max).  The PE array
 *       reads weight-buffer addresses wbase, wbase + 1, ... until G words
 *       with the last bit set have passed; group g uses row record rbase + g.
 *  BASE count = wbase, rows = rbase, act_max = pbase (count may be 0): where
 *       the following WGT and ROW write and RUN reads (so several layers can
 *       stay resident), and where VEC writes and CONV reads in the vector
 *       banks.  No payload.  Reset sets all three to 0.
 *  CONV count = G output channels (groups), rows = npix (1..P valid pixels),
 *       final, act, act_max as for RUN.  Every PE holds the same words; PE p
 *       computes pixel p of the group: lane b reads bank b of PE
 *       (p + rot) % P at offset + pbase + (q < rot) (q the reading PE), the
 *       vector generator of ARCHITECTURE section 4.  Each channel hands over
 *       npix results in PE order; tlast on the last channel's batch.
 *       max (header bit 56, CONV only; 0 elsewhere): accumulate by maximum,
 *       acc = max(first word ? bias : acc, word sum) -- a max-pool, whose
 *       words each carry one tap of weight 1, bias the most negative
 *       accumulator value, M = 1, S = 0, act none.
 *  OUT  count = 1: one OUT record follows (SG_OUT_BEATS beats) and from now
 *       on every result batch the PE array hands to the post unit is also
 *       written back into the vector banks (a feature map kept on chip for
 *       the next layer); count = 0: write-back off (no payload; reset state).
 *       The k-th batch after the record (channel o0 + k of a CONV run) goes
 *       to bank bank0 + carries, address addr0 + k' * wq: its unit counter
 *       starts at upb - left0 and wraps at upb (then bank + 1, address back
 *       to base); result p of the batch goes to PE p when mask bit p is set.
 *       Results are still sent on m_axis.  VEC and CLR wait until every
 *       pending write-back is done.
 *  CLR  count = n addresses: zero addresses pbase .. pbase + n - 1 of every
 *       bank of every PE (a line buffer's padding before write-back), one
 *       address per cycle.  No payload.
 *  LSTM count = T steps; final (bit 57) = the first step starts from cell
 *       state 0 (else from the element-wise unit's cell buffer, where the
 *       last LSTM command left it).  One LSTM record follows (SG_LSTM_W
 *       bits, SG_OUT_BEATS beats), then for s = 1 .. T-1 the x of step s:
 *       xn elements in ceil(xn / E) beats as for VEC, written while step
 *       s - 1 runs into region r_s from word 0 on (element i in bank i % B,
 *       word r_s + i / B; x_0 is loaded by VEC before the command, with
 *       h_0).  The vector banks hold regions of lq
 *       words at 0, lq, ..., end - lq; step s reads region r_s (r_0 =
 *       pbase, then r + lq, wrapping to 0 at end): one RUN (final, act none)
 *       of G groups and 4H rows, row 4j + g being gate g (i, f, g, o) of
 *       hidden unit j.  The post unit requantizes each row to a Q3.12 gate
 *       (saturated to 16 bits), the element-wise unit computes c_t and h_t
 *       (golden/sg_lstm.h), h_t unit j is written into every PE at bank
 *       j % B, address r_(s+1) + hoff + j / B, and streamed out: H results
 *       per step, tlast on the last unit of every step.  A step starts when
 *       the previous step's h_t is all written and its own x has arrived;
 *       at least two regions (end >= 2 lq).  Afterwards pbase is the last
 *       step's region.
 *  Flag (header bit 57) on VEC: scatter -- element i goes to PE i % P, bank
 *       (i / P) % B, address pbase + i / (P * B), up to min(P, E) elements
 *       per cycle (the CONV line buffer; with one bank a cycle's elements stay
 *       within one row of P, so all PEs write one address).  On WGT and ROW:
 *       broadcast -- one record per address
 *       written into every PE.
 *
 * CSB word (SG word, WordW = 1 + B * (ROT_W + OFF_W + WGT_W) bits):
 *
 *   WordW-1  WordW-2                                                          0
 *  +-------+-------------------------------+-----+-------------------------------+
 *  | last  | lane B-1: rot | offset | value| ... | lane 0:  rot | offset | value |
 *  +-------+-------------------------------+-----+-------------------------------+
 *   lane b at bits [b*LANE_W +: LANE_W], LANE_W = ROT_W + OFF_W + WGT_W:
 *   value in the low WGT_W bits (two's complement), the offset inside the
 *   bank above it, the rotation (CONV only, 0 for FC) on top.
 *   last marks the final word of a row group; every group has >= 1 word.
 *
 * Row record (70 bits):
 *
 *   69      64 63                 32 31                  0
 *  +----------+---------------------+---------------------+
 *  | shift S  |   multiplier M      |  bias / partial sum |
 *  +----------+---------------------+---------------------+
 *
 * OUT record (SG_OUT_W = 192 bits):
 *
 *   191  150 149  144 143   128 127  112 111   96 95    80 79    64 63      0
 *  +--------+--------+--------+--------+--------+--------+--------+---------+
 *  |   0    | bank0  | left0  |  upb   |   wq   |  base  | addr0  |  mask   |
 *  +--------+--------+--------+--------+--------+--------+--------+---------+
 *   mask: PEs whose result is written (P <= 64); bank0: 6 bits (B <= 64);
 *   addresses are OFF_W bits wide, the fields 16.
 *
 * LSTM record (SG_LSTM_W = 192 bits):
 *
 *   191  108 107  88 87   72 71   56 55   40 39       20 19         0
 *  +--------+--------+-------+-------+-------+-----------+-----------+
 *  |   0    |   xn   | hoff  |  end  |  lq   | rows = 4H |     G     |
 *  +--------+--------+-------+-------+-------+-----------+-----------+
 *   16-bit address fields (OffW + 1 bits used: end may equal VbufDepth);
 *   xn (20 bits): x elements per step in the payload (hoff * B).
 *
 * Output stream (m_axis): E = StreamW / DATA_W results per beat, result j of
 * a beat at bits [j*DATA_W +: DATA_W], unused lanes of a RUN's last beat zero.
 */
#ifndef SG_CMD_H
#define SG_CMD_H

#include <stdint.h>

enum sg_opcode {
    SG_OP_VEC = 1, /* load the input vector into every PE's banks */
    SG_OP_WGT = 2, /* load CSB words into the weight buffers */
    SG_OP_ROW = 3, /* load bias, M and S per row */
    SG_OP_RUN = 4,  /* run row groups through the PE array */
    SG_OP_BASE = 5, /* set the weight-, row- and vector-buffer bases */
    SG_OP_CONV = 6, /* run output channels over a pixel group (vector generator) */
    SG_OP_OUT = 7,  /* write results back into the vector banks (or stop) */
    SG_OP_CLR = 8,  /* zero vector-bank addresses */
    SG_OP_LSTM = 9  /* run LSTM steps, h_t fed back on chip */
};

#define SG_HDR_W 64          /* header bits */
#define SG_HDR_COUNT_W 20    /* bits of count */
#define SG_HDR_ROWS_W 20     /* bits of rows */
#define SG_HDR_ACTMAX_W 16   /* bits of act_max */
#define SG_ROW_W 70          /* row record bits */
#define SG_OUT_W 192         /* OUT record bits */
#define SG_LSTM_W 192        /* LSTM record bits (as many beats as OUT) */
#define SG_HDR_COUNT_MAX ((1L << SG_HDR_COUNT_W) - 1)
#define SG_HDR_MAX (1ULL << 56) /* CONV: accumulate by maximum (max-pool) */

/* Pack a header; every field must already be range-checked by the caller. */
static inline uint64_t sg_cmd_header(unsigned opcode, unsigned act, unsigned final,
                                     unsigned act_max, unsigned rows, unsigned count)
{
    return ((uint64_t)(opcode & 0xfu) << 60) | ((uint64_t)(act & 0x3u) << 58) |
           ((uint64_t)(final & 0x1u) << 57) | ((uint64_t)(act_max & 0xffffu) << 40) |
           ((uint64_t)(rows & 0xfffffu) << 20) | (uint64_t)(count & 0xfffffu);
}

/* Set `width` (1..64) bits at bit position `bit` of a little-endian word
 * array (the layout of every beat and record above). */
static inline void sg_put_bits(uint32_t *w, long long bit, int width, uint64_t v)
{
    for (int i = 0; i < width; i++) {
        long long pos = bit + i;
        if ((v >> i) & 1u)
            w[pos / 32] |= 1u << (pos % 32);
    }
}

/* v cut to `width` bits (two's complement), as a field holds it. */
static inline uint64_t sg_field(int64_t v, int width)
{
    return width >= 64 ? (uint64_t)v : ((uint64_t)v & ((1ULL << width) - 1));
}

#endif
