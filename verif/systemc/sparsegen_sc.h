// sparsegen_sc.h: the generated accelerator as a SystemC module -- the
// Verilator --sc model of sparsegen_axi, the board wrapper, behind
// valid/ready stream ports, an interrupt port and a TLM-2.0 target socket
// whose transactions become AXI4-Lite pin activity on the wrapper.
//
// Built with the configuration's Vsparsegen_axi.h, sparsegen_params.h and
// sparsegen_regs.h on the include path and sparsegen_sc.vlt among the
// Verilator inputs (verif/systemc/build.sh); header only, one user per model.
//
// Ports
//   aclk, aresetn           clock; synchronous active-low reset of the
//                           register block and the core (as the wrapper's)
//   s_axis_t{data,valid,    command stream in   (AXI4-Stream semantics: a beat
//           last}           moves on a rising edge with valid and ready high;
//   s_axis_tready                                valid never waits for ready)
//   m_axis_t{data,valid,    results out
//           last}, m_axis_tready
//   irq_o                   level interrupt: STATUS.IRQ (DONE & CTRL.IRQ_EN)
//   csr                     tlm_utils::simple_target_socket, 32-bit bus
//
// The stream ports are signal ports, not FIFOs: the core is cycle accurate
// and the testbench decides every cycle whether it offers or takes a beat,
// which is what random stalls need.  They are bound straight to the
// Verilated model's ports (no process in between, no extra delta cycle).
// Their data type is the model's: uint32_t for a 32-bit stream, uint64_t for
// 64 bits, sc_dt::sc_bv<W> when wider (sparsegen_sc::stream_type).
// m_axis_tkeep (always all ones) stays inside.
//
// Register map: the RTL's own, implemented only there.  The offsets, fields,
// access rules and reset values are in the generated sparsegen_regs.h
// (SG_REG_*, SG_<REG>_<FIELD>_MASK, SG_REGS_FOREACH), rendered with the
// wrapper's rtl/sparsegen_regs.vh from gen/sg_regmap.c; gen/sg_regmap.h
// shows the table.  A job, as a driver runs it: CMD_BEATS, CTRL.START, the
// command stream on s_axis, results from m_axis, then STATUS.DONE (or
// irq_o) and the job and perf counters, 64-bit ones LO first.
//
// b_transport: a single 32-bit word per transaction, as one AXI4-Lite
// access on the pins.  The socket refuses, with no bus activity:
//   address not 4-byte aligned, or beyond the     TLM_ADDRESS_ERROR_RESPONSE
//   wrapper's 12-bit window (SG_REGS_SPAN)
//   data length or streaming width other than 4   TLM_BURST_ERROR_RESPONSE
//   a byte-enable pointer with length 0           TLM_BYTE_ENABLE_ERROR_RESPONSE
// TLM_IGNORE_COMMAND succeeds with no bus activity.  Otherwise a write
// drives AW and W together with BREADY high and waits for B; a read drives
// AR with RREADY high and waits for R.  Byte enables become WSTRB (byte i of
// the data array is byte lane i: a little-endian host, as TLM-2.0's host
// order for a bus-wide word means there); a read returns only the enabled
// bytes.  The response: OKAY -> TLM_OK_RESPONSE, SLVERR (a write to a RO
// register) -> TLM_GENERIC_ERROR_RESPONSE, DECERR (an unmapped offset) ->
// TLM_ADDRESS_ERROR_RESPONSE; aresetn low at an edge of the access (the
// slave drops it) -> TLM_GENERIC_ERROR_RESPONSE.
//
// Timing: b_transport calls wait() on the clock, so the initiator calls it
// from an SC_THREAD.  A nonzero annotated delay is waited out first (the pin
// activity happens at the initiator's local time) and returned as zero.
// Valids rise when b_transport is called and are sampled at the next rising
// edge; b_transport returns one delta after the rising edge of the response
// handshake, when the model's outputs show that edge.  With this wrapper a
// write takes effect at the edge that raises BVALID, one edge before that
// handshake (WriteAckEdges), and a read returns the register's value at the
// edge after the call.  Concurrent callers are served one at a time.
//
// transport_dbg reads whole words of the constant registers (ID ..
// CFG_HASH_HI: their values are in sparsegen_regs.h) with no bus activity,
// stopping at the first other word; it refuses writes (returns 0 bytes).
//
// perf(): the core's four perf counters as the Verilated model holds them
// after the last edge it took (counting from the core's reset, not from
// START), for a testbench that needs them at an exact cycle; a bus read takes
// cycles.  A probe of the core's outputs, not a register.
#ifndef SPARSEGEN_SC_H
#define SPARSEGEN_SC_H

#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "Vsparsegen_axi.h"
#include "Vsparsegen_axi___024root.h"
#include "sparsegen_params.h"
#include "sparsegen_regs.h"

class sparsegen_sc : public sc_core::sc_module {
    // the data type Verilator chose for a port
    template <class Port> using data_of = typename std::decay<Port>::type::data_type;

  public:
    // the data type of a stream beat, as Verilator chose it for StreamW bits
    typedef data_of<decltype(Vsparsegen_axi::s_axis_tdata)> stream_type;

    // the core's perf counters, from its reset (perf())
    struct Perf {
        uint64_t busy;   // busy cycles of the PE array
        uint64_t useful; // useful (nonzero-weight) MACs
        uint64_t slots;  // MAC slots: busy x P x B
        uint64_t stall;  // busy cycles stalled
    };

    // edges from the one at which a write takes effect (BVALID rises) to the
    // one of its B handshake, after which b_transport returns
    static const unsigned WriteAckEdges = 1;
    // edges b_transport waits for a handshake before it reports an error
    static const unsigned TimeoutEdges = 1000;

    sc_core::sc_in<bool> aclk;
    sc_core::sc_in<bool> aresetn;
    sc_core::sc_in<stream_type> s_axis_tdata;
    sc_core::sc_in<bool> s_axis_tvalid;
    sc_core::sc_out<bool> s_axis_tready;
    sc_core::sc_in<bool> s_axis_tlast;
    sc_core::sc_out<stream_type> m_axis_tdata;
    sc_core::sc_out<bool> m_axis_tvalid;
    sc_core::sc_in<bool> m_axis_tready;
    sc_core::sc_out<bool> m_axis_tlast;
    sc_core::sc_out<bool> irq_o;
    tlm_utils::simple_target_socket<sparsegen_sc, 32> csr;

    explicit sparsegen_sc(sc_core::sc_module_name name)
        : sc_core::sc_module(name), aclk("aclk"), aresetn("aresetn"), s_axis_tdata("s_axis_tdata"),
          s_axis_tvalid("s_axis_tvalid"), s_axis_tready("s_axis_tready"), s_axis_tlast("s_axis_tlast"),
          m_axis_tdata("m_axis_tdata"), m_axis_tvalid("m_axis_tvalid"), m_axis_tready("m_axis_tready"),
          m_axis_tlast("m_axis_tlast"), irq_o("irq_o"), csr("csr"), axi_(new Vsparsegen_axi("axi")),
          awaddr_("awaddr"), awprot_("awprot"), awvalid_("awvalid"), awready_("awready"), wdata_("wdata"),
          wstrb_("wstrb"), wvalid_("wvalid"), wready_("wready"), bresp_("bresp"), bvalid_("bvalid"),
          bready_("bready"), araddr_("araddr"), arprot_("arprot"), arvalid_("arvalid"), arready_("arready"),
          rdata_("rdata"), rresp_("rresp"), rvalid_("rvalid"), rready_("rready"), tkeep_("tkeep")
    {
        axi_->aclk(aclk);
        axi_->aresetn(aresetn);
        axi_->s_axi_ctrl_awaddr(awaddr_);
        axi_->s_axi_ctrl_awprot(awprot_);
        axi_->s_axi_ctrl_awvalid(awvalid_);
        axi_->s_axi_ctrl_awready(awready_);
        axi_->s_axi_ctrl_wdata(wdata_);
        axi_->s_axi_ctrl_wstrb(wstrb_);
        axi_->s_axi_ctrl_wvalid(wvalid_);
        axi_->s_axi_ctrl_wready(wready_);
        axi_->s_axi_ctrl_bresp(bresp_);
        axi_->s_axi_ctrl_bvalid(bvalid_);
        axi_->s_axi_ctrl_bready(bready_);
        axi_->s_axi_ctrl_araddr(araddr_);
        axi_->s_axi_ctrl_arprot(arprot_);
        axi_->s_axi_ctrl_arvalid(arvalid_);
        axi_->s_axi_ctrl_arready(arready_);
        axi_->s_axi_ctrl_rdata(rdata_);
        axi_->s_axi_ctrl_rresp(rresp_);
        axi_->s_axi_ctrl_rvalid(rvalid_);
        axi_->s_axi_ctrl_rready(rready_);
        axi_->s_axis_tdata(s_axis_tdata);
        axi_->s_axis_tvalid(s_axis_tvalid);
        axi_->s_axis_tready(s_axis_tready);
        axi_->s_axis_tlast(s_axis_tlast);
        axi_->m_axis_tdata(m_axis_tdata);
        axi_->m_axis_tvalid(m_axis_tvalid);
        axi_->m_axis_tready(m_axis_tready);
        axi_->m_axis_tlast(m_axis_tlast);
        axi_->m_axis_tkeep(tkeep_);
        axi_->irq_o(irq_o);

        csr.register_b_transport(this, &sparsegen_sc::b_transport);
        csr.register_transport_dbg(this, &sparsegen_sc::transport_dbg);
    }

    // the Verilated model, for what the socket does not show (tracing, final)
    Vsparsegen_axi &model() { return *axi_; }

    Perf perf() const
    {
        const Vsparsegen_axi___024root *r = axi_->rootp;
        return Perf{r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_busy_o,
                    r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_useful_o,
                    r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_slots_o,
                    r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_stall_o};
    }

  private:
    typedef data_of<decltype(Vsparsegen_axi::s_axi_ctrl_awaddr)> addr_type;
    typedef data_of<decltype(Vsparsegen_axi::s_axi_ctrl_awprot)> prot_type;
    typedef data_of<decltype(Vsparsegen_axi::s_axi_ctrl_wdata)> data_type;
    typedef data_of<decltype(Vsparsegen_axi::s_axi_ctrl_wstrb)> strb_type;
    typedef data_of<decltype(Vsparsegen_axi::s_axi_ctrl_bresp)> resp_type;
    typedef data_of<decltype(Vsparsegen_axi::m_axis_tkeep)> keep_type;

    static tlm::tlm_response_status of_resp(unsigned resp)
    {
        switch (resp) {
        case SG_RESP_OKAY: return tlm::TLM_OK_RESPONSE;
        case SG_RESP_SLVERR: return tlm::TLM_GENERIC_ERROR_RESPONSE;
        case SG_RESP_DECERR: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
        default: return tlm::TLM_OK_RESPONSE; // EXOKAY: no exclusive access here
        }
    }

    // the TLM-level rules; strb gets the byte enables as WSTRB
    static tlm::tlm_response_status check(const tlm::tlm_generic_payload &t, unsigned &strb)
    {
        uint64_t a = t.get_address();
        if ((a & 3) != 0 || a >= SG_REGS_SPAN) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
        if (t.get_data_length() != 4 || t.get_streaming_width() != 4) return tlm::TLM_BURST_ERROR_RESPONSE;
        strb = 0xf;
        if (const unsigned char *be = t.get_byte_enable_ptr()) {
            unsigned n = t.get_byte_enable_length();
            if (n == 0) return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
            strb = 0;
            for (unsigned i = 0; i < 4; i++)
                if (be[i % n] == TLM_BYTE_ENABLED) strb |= 1u << i;
        }
        return tlm::TLM_OK_RESPONSE;
    }

    // the next rising edge; false when the slave is in reset at it
    bool edge()
    {
        wait(aclk.posedge_event());
        return aresetn.read(); // the value the model samples at this edge
    }

    // every master output back to idle (sampled from the next edge on)
    void idle()
    {
        awvalid_.write(false);
        wvalid_.write(false);
        bready_.write(false);
        arvalid_.write(false);
        rready_.write(false);
    }

    void timeout(const char *what)
    {
        idle();
        SC_REPORT_ERROR(name(), what);
    }

    tlm::tlm_response_status axi_write(uint32_t addr, uint32_t data, unsigned strb)
    {
        awaddr_.write((addr_type)addr);
        awprot_.write((prot_type)0);
        awvalid_.write(true);
        wdata_.write((data_type)data);
        wstrb_.write((strb_type)strb);
        wvalid_.write(true);
        bready_.write(true);
        bool aw = false, w = false;
        for (unsigned n = 0;; n++) {
            if (!edge()) {
                idle();
                return tlm::TLM_GENERIC_ERROR_RESPONSE;
            }
            // the ready and valid values of this edge, before the model takes it
            if (bvalid_.read() && aw && w) { // B handshake (BREADY is high)
                unsigned resp = (unsigned)bresp_.read();
                idle();
                return of_resp(resp);
            }
            if (!aw && awready_.read()) aw = true, awvalid_.write(false);
            if (!w && wready_.read()) w = true, wvalid_.write(false);
            if (n == TimeoutEdges) {
                timeout("no AXI4-Lite write response from sparsegen_axi");
                return tlm::TLM_GENERIC_ERROR_RESPONSE;
            }
        }
    }

    tlm::tlm_response_status axi_read(uint32_t addr, uint32_t &data)
    {
        araddr_.write((addr_type)addr);
        arprot_.write((prot_type)0);
        arvalid_.write(true);
        rready_.write(true);
        bool ar = false;
        for (unsigned n = 0;; n++) {
            if (!edge()) {
                idle();
                return tlm::TLM_GENERIC_ERROR_RESPONSE;
            }
            if (rvalid_.read() && ar) { // R handshake (RREADY is high)
                data = (uint32_t)rdata_.read();
                unsigned resp = (unsigned)rresp_.read();
                idle();
                return of_resp(resp);
            }
            if (!ar && arready_.read()) ar = true, arvalid_.write(false);
            if (n == TimeoutEdges) {
                timeout("no AXI4-Lite read response from sparsegen_axi");
                return tlm::TLM_GENERIC_ERROR_RESPONSE;
            }
        }
    }

    void b_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &delay)
    {
        t.set_dmi_allowed(false);
        unsigned strb = 0;
        tlm::tlm_response_status st = check(t, strb);
        if (st != tlm::TLM_OK_RESPONSE || t.get_command() == tlm::TLM_IGNORE_COMMAND) {
            t.set_response_status(st);
            return;
        }
        if (delay != sc_core::SC_ZERO_TIME) {
            wait(delay);
            delay = sc_core::SC_ZERO_TIME;
        }
        bus_.lock();
        uint32_t a = (uint32_t)t.get_address(), w = 0;
        unsigned char *d = t.get_data_ptr();
        if (!aresetn.read()) {
            // no valid while the slave is in reset: an error, one edge later
            // (an initiator that retries does not spin at one instant)
            edge();
            st = tlm::TLM_GENERIC_ERROR_RESPONSE;
        } else if (t.is_write()) {
            std::memcpy(&w, d, 4); // host byte order, as TLM-2.0 asks
            st = axi_write(a, w, strb);
        } else {
            st = axi_read(a, w);
            if (st == tlm::TLM_OK_RESPONSE) {
                unsigned char b[4];
                std::memcpy(b, &w, 4);
                for (unsigned i = 0; i < 4; i++)
                    if (strb >> i & 1) d[i] = b[i];
            }
        }
        wait(sc_core::SC_ZERO_TIME); // the model's outputs show the last edge
        bus_.unlock();
        t.set_response_status(st);
    }

    unsigned transport_dbg(tlm::tlm_generic_payload &t)
    {
        struct Const {
            uint32_t offset; // byte offset (SG_REG_*)
            uint32_t value;  // its value, if constant
            int is_const;    // 1: an identity register
        };
        static const Const regs[] = {
#define SG_SC_CONST(name, off, acc, reset, wmask, cnst, pair) {off, reset, cnst},
            SG_REGS_FOREACH(SG_SC_CONST)
#undef SG_SC_CONST
        };
        if (!t.is_read()) return 0;
        uint64_t a = t.get_address();
        unsigned n = t.get_data_length() / 4;
        if (a & 3) return 0;
        for (unsigned i = 0; i < n; i++) {
            const Const *c = nullptr;
            for (const Const &r : regs)
                if (r.is_const && r.offset == a + 4 * i) c = &r;
            if (!c) return 4 * i;
            std::memcpy(t.get_data_ptr() + 4 * i, &c->value, 4);
        }
        return 4 * n;
    }

    void end_of_simulation() override { axi_->final(); }

    std::unique_ptr<Vsparsegen_axi> axi_;
    // the AXI4-Lite pins, driven by b_transport
    sc_core::sc_signal<addr_type> awaddr_;
    sc_core::sc_signal<prot_type> awprot_;
    sc_core::sc_signal<bool> awvalid_, awready_;
    sc_core::sc_signal<data_type> wdata_;
    sc_core::sc_signal<strb_type> wstrb_;
    sc_core::sc_signal<bool> wvalid_, wready_;
    sc_core::sc_signal<resp_type> bresp_;
    sc_core::sc_signal<bool> bvalid_, bready_;
    sc_core::sc_signal<addr_type> araddr_;
    sc_core::sc_signal<prot_type> arprot_;
    sc_core::sc_signal<bool> arvalid_, arready_;
    sc_core::sc_signal<data_type> rdata_;
    sc_core::sc_signal<resp_type> rresp_;
    sc_core::sc_signal<bool> rvalid_, rready_;
    sc_core::sc_signal<keep_type> tkeep_;   // m_axis_tkeep: all ones, unused
    sc_core::sc_mutex bus_;                 // one access on the pins at a time
};

#endif
