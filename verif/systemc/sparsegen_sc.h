// sparsegen_sc.h: the generated accelerator as a SystemC module -- the
// Verilator --sc model of sparsegen_top behind valid/ready stream ports and
// a TLM-2.0 target socket for its control and status registers.
//
// Built with the configuration's Vsparsegen_top.h and sparsegen_params.h on
// the include path (verif/systemc/build.sh); header only, one user per model.
//
// Ports
//   clk_i, rst_i            clock; synchronous active-high reset of the core
//                           and of the register block
//   s_axis_t{data,valid}    command stream in   (AXI4-Stream semantics: a beat
//   s_axis_tready           moves on a rising edge with valid and ready high;
//   m_axis_t{data,valid,    results out          valid never waits for ready)
//           last}, m_axis_tready
//   csr                     tlm_utils::simple_target_socket, 32-bit bus
//
// The stream ports are signal ports, not FIFOs: the core is cycle accurate
// and the testbench decides every cycle whether it offers or takes a beat,
// which is what random stalls need.  They are bound straight to the
// Verilated model's ports (no process in between, no extra delta cycle).
// Their data type is the model's: uint32_t for a 32-bit stream, uint64_t for
// 64 bits, sc_dt::sc_bv<W> when wider (sparsegen_sc::stream_type).
//
// Register map (byte offsets from the socket's base; 32-bit words)
//
//   offset  name          access  bits
//   ------  ------------  ------  ---------------------------------------------
//   0x000   ID            RO      0x5347454e ("SGEN")
//   0x004   VERSION       RO      [23:16] major [15:8] minor [7:0] patch of the
//                                 generator (SG_CFG_VERSION)
//   0x008   GEOMETRY      RO      [15:0] P (PEs)  [31:16] B (banks per PE)
//   0x00c   WIDTHS        RO      [15:0] stream bits  [23:16] data bits
//                                 [31:24] weight bits
//   0x010   CFG_HASH_LO   RO      configuration hash bits [31:0]  (SG_CFG_HASH)
//   0x014   CFG_HASH_HI   RO      configuration hash bits [63:32]
//   0x020   STATUS        RO      [0] IDLE  [1] ERR (malformed command seen)
//                                 [2] IN_RESET: the core's reset is asserted
//                                 (rst_i, or a soft reset not yet done)
//   0x024   CTRL          RW      [0] SOFT_RST: write 1 to hold the core (not
//                                 this register block) in reset for
//                                 SoftResetCycles rising edges; reads 1 until
//                                 the core is released.  Writing 0 does nothing.
//                                 [31:1] reserved: read 0, writes ignored
//   0x028   SCRATCH       RW      [31:0] free for software (bus tests); 0 after
//                                 rst_i, kept across a soft reset
//   0x040   BUSY_LO       RO      perf counter: busy cycles [31:0]
//   0x044   BUSY_HI       RO                                [63:32]
//   0x048   USEFUL_LO     RO      perf counter: useful (nonzero-weight) MACs
//   0x04c   USEFUL_HI     RO
//   0x050   SLOTS_LO      RO      perf counter: MAC slots (busy x P x B)
//   0x054   SLOTS_HI      RO
//   0x058   STALL_LO      RO      perf counter: stall cycles
//   0x05c   STALL_HI      RO
//
// A 64-bit counter is read LO first: reading LO latches that counter's upper
// half, and HI returns the latched half, so the two reads form one value
// even when the counter moves in between.  The counters (and STATUS) come
// from the core and are cleared by either reset.
//
// b_transport: single aligned 4-byte words only.  Checks, in this order:
//   address not 4-byte aligned or not in the map  TLM_ADDRESS_ERROR_RESPONSE
//   data length or streaming width other than 4   TLM_BURST_ERROR_RESPONSE
//   byte enables given and not all four enabled   TLM_BYTE_ENABLE_ERROR_RESPONSE
//   write to a read-only register                 TLM_COMMAND_ERROR_RESPONSE
// TLM_IGNORE_COMMAND succeeds with no effect.  No DMI.  The access time
// (constructor argument, default 0) is added to the annotated delay.
// transport_dbg reads any number of whole mapped words with no side effect
// (no latching) and refuses writes (returns 0 bytes).
#ifndef SPARSEGEN_SC_H
#define SPARSEGEN_SC_H

#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "Vsparsegen_top.h"
#include "sparsegen_params.h"

namespace sg_reg {
// register offsets (see the map above)
enum : uint32_t {
    ID = 0x000,
    VERSION = 0x004,
    GEOMETRY = 0x008,
    WIDTHS = 0x00c,
    CFG_HASH_LO = 0x010,
    CFG_HASH_HI = 0x014,
    STATUS = 0x020,
    CTRL = 0x024,
    SCRATCH = 0x028,
    BUSY_LO = 0x040,
    BUSY_HI = 0x044,
    USEFUL_LO = 0x048,
    USEFUL_HI = 0x04c,
    SLOTS_LO = 0x050,
    SLOTS_HI = 0x054,
    STALL_LO = 0x058,
    STALL_HI = 0x05c,
};
// field values
enum : uint32_t {
    ID_VALUE = 0x5347454eu, // "SGEN"
    STATUS_IDLE = 1u << 0,
    STATUS_ERR = 1u << 1,
    STATUS_IN_RESET = 1u << 2,
    CTRL_SOFT_RST = 1u << 0,
};
// perf counter index (BUSY_LO + 8 * index)
enum { PERF_BUSY = 0, PERF_USEFUL = 1, PERF_SLOTS = 2, PERF_STALL = 3, PERF_COUNT = 4 };
} // namespace sg_reg

class sparsegen_sc : public sc_core::sc_module {
  public:
    // the data type of a stream beat, as Verilator chose it for StreamW bits
    typedef std::decay<decltype(Vsparsegen_top::s_axis_tdata)>::type::data_type stream_type;

    static const unsigned SoftResetCycles = 4; // rising edges a soft reset holds the core

    sc_core::sc_in<bool> clk_i;
    sc_core::sc_in<bool> rst_i;
    sc_core::sc_in<stream_type> s_axis_tdata;
    sc_core::sc_in<bool> s_axis_tvalid;
    sc_core::sc_out<bool> s_axis_tready;
    sc_core::sc_out<stream_type> m_axis_tdata;
    sc_core::sc_out<bool> m_axis_tvalid;
    sc_core::sc_in<bool> m_axis_tready;
    sc_core::sc_out<bool> m_axis_tlast;
    tlm_utils::simple_target_socket<sparsegen_sc, 32> csr;

    SC_HAS_PROCESS(sparsegen_sc);

    explicit sparsegen_sc(sc_core::sc_module_name name, const sc_core::sc_time &access_time = sc_core::SC_ZERO_TIME)
        : sc_core::sc_module(name), clk_i("clk_i"), rst_i("rst_i"), s_axis_tdata("s_axis_tdata"),
          s_axis_tvalid("s_axis_tvalid"), s_axis_tready("s_axis_tready"), m_axis_tdata("m_axis_tdata"),
          m_axis_tvalid("m_axis_tvalid"), m_axis_tready("m_axis_tready"), m_axis_tlast("m_axis_tlast"),
          csr("csr"), core_(new Vsparsegen_top("core")), core_rst_("core_rst", true), idle_("idle"), err_("err"),
          access_time_(access_time)
    {
        // the streams go straight through; reset and status through signals
        core_->clk_i(clk_i);
        core_->rst_i(core_rst_);
        core_->s_axis_tdata(s_axis_tdata);
        core_->s_axis_tvalid(s_axis_tvalid);
        core_->s_axis_tready(s_axis_tready);
        core_->m_axis_tdata(m_axis_tdata);
        core_->m_axis_tvalid(m_axis_tvalid);
        core_->m_axis_tready(m_axis_tready);
        core_->m_axis_tlast(m_axis_tlast);
        core_->idle_o(idle_);
        core_->err_o(err_);
        core_->perf_busy_o(perf_[sg_reg::PERF_BUSY]);
        core_->perf_useful_o(perf_[sg_reg::PERF_USEFUL]);
        core_->perf_slots_o(perf_[sg_reg::PERF_SLOTS]);
        core_->perf_stall_o(perf_[sg_reg::PERF_STALL]);

        csr.register_b_transport(this, &sparsegen_sc::b_transport);
        csr.register_transport_dbg(this, &sparsegen_sc::transport_dbg);

        SC_METHOD(drive_reset);
        sensitive << rst_i << soft_changed_;
        SC_METHOD(on_clock);
        sensitive << clk_i.pos();
        dont_initialize();
    }

    // the Verilated model, for what the socket does not show (tracing, final)
    Vsparsegen_top &core() { return *core_; }

    // the value of a constant word (ID .. CFG_HASH_HI; 0 for any other offset)
    static uint32_t constant(uint32_t offset)
    {
        switch (offset) {
        case sg_reg::ID: return sg_reg::ID_VALUE;
        case sg_reg::VERSION: return version_word(SG_CFG_VERSION);
        case sg_reg::GEOMETRY: return (uint32_t)SG_CFG_PE_COUNT | (uint32_t)SG_CFG_BANKS << 16;
        case sg_reg::WIDTHS:
            return (uint32_t)SG_CFG_STREAM_W | (uint32_t)SG_CFG_DATA_W << 16 | (uint32_t)SG_CFG_WGT_W << 24;
        case sg_reg::CFG_HASH_LO: return (uint32_t)SG_CFG_HASH;
        case sg_reg::CFG_HASH_HI: return (uint32_t)(SG_CFG_HASH >> 32);
        default: return 0;
        }
    }

    // "1.2.3" -> 0x010203 (missing parts are 0, each part at most 255)
    static uint32_t version_word(const char *v)
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

  private:
    enum Access { NONE, RO, RW };

    static Access access_of(uint64_t a)
    {
        switch (a) {
        case sg_reg::ID: case sg_reg::VERSION: case sg_reg::GEOMETRY: case sg_reg::WIDTHS:
        case sg_reg::CFG_HASH_LO: case sg_reg::CFG_HASH_HI: case sg_reg::STATUS:
        case sg_reg::BUSY_LO: case sg_reg::BUSY_HI: case sg_reg::USEFUL_LO: case sg_reg::USEFUL_HI:
        case sg_reg::SLOTS_LO: case sg_reg::SLOTS_HI: case sg_reg::STALL_LO: case sg_reg::STALL_HI:
            return RO;
        case sg_reg::CTRL: case sg_reg::SCRATCH:
            return RW;
        default:
            return NONE;
        }
    }

    // the core's reset: the port or a soft reset in progress
    void drive_reset() { core_rst_.write(rst_i.read() || soft_left_ > 0); }

    // Rising edge: rst_i clears the register block; a soft reset counts the
    // edges at which the core really saw its reset (core_rst_ is what the
    // model samples at this same edge).
    void on_clock()
    {
        if (rst_i.read()) {
            scratch_ = 0;
            for (uint32_t &h : hi_latch_) h = 0;
            if (soft_left_) {
                soft_left_ = 0;
                soft_changed_.notify(sc_core::SC_ZERO_TIME);
            }
        } else if (soft_left_ && core_rst_.read() && --soft_left_ == 0) {
            soft_changed_.notify(sc_core::SC_ZERO_TIME);
        }
    }

    uint32_t read_word(uint32_t a, bool side_effects)
    {
        if (a >= sg_reg::BUSY_LO && a <= sg_reg::STALL_HI) {
            unsigned k = (a - sg_reg::BUSY_LO) / 8;
            uint64_t v = perf_[k].read();
            if ((a & 4) == 0) { // LO: latch the upper half
                if (side_effects) hi_latch_[k] = (uint32_t)(v >> 32);
                return (uint32_t)v;
            }
            return side_effects ? hi_latch_[k] : (uint32_t)(v >> 32);
        }
        switch (a) {
        case sg_reg::STATUS:
            return (idle_.read() ? sg_reg::STATUS_IDLE : 0u) | (err_.read() ? sg_reg::STATUS_ERR : 0u) |
                   (rst_i.read() || soft_left_ > 0 ? sg_reg::STATUS_IN_RESET : 0u);
        case sg_reg::CTRL: return soft_left_ > 0 ? sg_reg::CTRL_SOFT_RST : 0u;
        case sg_reg::SCRATCH: return scratch_;
        default: return constant(a);
        }
    }

    void write_word(uint32_t a, uint32_t v)
    {
        if (a == sg_reg::SCRATCH) {
            scratch_ = v;
        } else if (a == sg_reg::CTRL && (v & sg_reg::CTRL_SOFT_RST)) {
            soft_left_ = SoftResetCycles;
            soft_changed_.notify(sc_core::SC_ZERO_TIME);
        }
    }

    tlm::tlm_response_status check(tlm::tlm_generic_payload &t) const
    {
        uint64_t a = t.get_address();
        if ((a & 3) != 0 || access_of(a) == NONE) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
        if (t.get_data_length() != 4 || t.get_streaming_width() != 4) return tlm::TLM_BURST_ERROR_RESPONSE;
        if (const unsigned char *be = t.get_byte_enable_ptr()) {
            unsigned n = t.get_byte_enable_length();
            if (n == 0) return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
            for (unsigned i = 0; i < 4; i++)
                if (be[i % n] != TLM_BYTE_ENABLED) return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
        }
        if (t.is_write() && access_of(a) != RW) return tlm::TLM_COMMAND_ERROR_RESPONSE;
        return tlm::TLM_OK_RESPONSE;
    }

    void b_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &delay)
    {
        t.set_dmi_allowed(false);
        tlm::tlm_response_status st = check(t);
        if (st == tlm::TLM_OK_RESPONSE) {
            uint32_t a = (uint32_t)t.get_address(), w;
            if (t.is_read()) {
                w = read_word(a, true);
                std::memcpy(t.get_data_ptr(), &w, 4); // host byte order, as TLM-2.0 asks
            } else if (t.is_write()) {
                std::memcpy(&w, t.get_data_ptr(), 4);
                write_word(a, w);
            }
        }
        t.set_response_status(st);
        delay += access_time_;
    }

    unsigned transport_dbg(tlm::tlm_generic_payload &t)
    {
        if (!t.is_read()) return 0;
        uint64_t a = t.get_address();
        unsigned n = t.get_data_length() / 4;
        if (a & 3) return 0;
        for (unsigned i = 0; i < n; i++) {
            if (access_of(a + 4 * i) == NONE) return 4 * i;
            uint32_t w = read_word((uint32_t)(a + 4 * i), false);
            std::memcpy(t.get_data_ptr() + 4 * i, &w, 4);
        }
        return 4 * n;
    }

    void end_of_simulation() override { core_->final(); }

    std::unique_ptr<Vsparsegen_top> core_;
    sc_core::sc_signal<bool> core_rst_;             // rst_i or a soft reset, to the core; starts
                                                    // high: the model's first eval may be an edge
    sc_core::sc_signal<bool> idle_;                 // core's idle_o
    sc_core::sc_signal<bool> err_;                  // core's err_o
    sc_core::sc_signal<uint64_t> perf_[sg_reg::PERF_COUNT]; // core's perf_*_o
    sc_core::sc_event soft_changed_;                // soft_left_ became or left 0
    sc_core::sc_time access_time_;                  // annotated per b_transport
    unsigned soft_left_ = 0;                        // edges of soft reset still to go
    uint32_t scratch_ = 0;                          // SCRATCH
    uint32_t hi_latch_[sg_reg::PERF_COUNT] = {0, 0, 0, 0}; // upper halves latched by LO reads
};

#endif
