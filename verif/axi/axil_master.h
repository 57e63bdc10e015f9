// axil_master.h: a cycle-level AXI4-Lite master for a Verilated model whose
// slave port is named s_axi_ctrl_* (Vivado naming), with seeded random
// timing: the AW and W of a write go out independently after random idle
// cycles (so W may lead AW, follow it, or come with it), several writes and
// reads may be outstanding, and BREADY / RREADY are withheld at random.
//
// The testbench calls drive() with the clock low (this cycle's outputs,
// which never look at a ready), evaluates the model, then observe() (the
// handshakes of this cycle), then the rising edge.  Requests are queued with
// write() / read(), which return an id; result(id) holds the response once
// done.  The model also checks the slave's side of the protocol: a response
// with nothing outstanding, and BVALID/RVALID or their payload changing
// before the handshake, land in error().
#ifndef AXIL_MASTER_H
#define AXIL_MASTER_H

#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "sg_stream.h" // sg::Rng, the xorshift every testbench draws from

template <class T> class AxilMaster {
  public:
    struct Result {
        bool done = false;
        uint32_t data = 0;   // read data
        unsigned resp = 0;   // BRESP / RRESP
        long long cycle = 0; // cycle of the response handshake
    };

    // timing knobs (change between requests at will)
    int max_delay = 3;       // a channel waits 0 .. max_delay cycles before VALID
    int ready_pct = 70;      // BREADY / RREADY high with this chance per cycle
    int max_outstanding = 2; // requests in flight per direction

    AxilMaster(T *top, uint64_t seed) : t_(top), rng_(seed) { idle_outputs(); }

    int write(uint32_t addr, uint32_t data, unsigned strb = 0xf)
    {
        Op op;
        op.id = (int)results_.size();
        op.addr = addr;
        op.data = data;
        op.strb = strb & 0xf;
        op.aw_wait = rng_.below(max_delay + 1);
        op.w_wait = rng_.below(max_delay + 1);
        results_.push_back(Result());
        writes_.push_back(op);
        return op.id;
    }
    int read(uint32_t addr)
    {
        Op op;
        op.id = (int)results_.size();
        op.addr = addr;
        op.aw_wait = rng_.below(max_delay + 1);
        results_.push_back(Result());
        reads_.push_back(op);
        return op.id;
    }
    const Result &result(int id) const { return results_[id]; }
    bool busy() const { return !writes_.empty() || !reads_.empty(); }
    const std::string &error() const { return error_; }

    // this cycle's outputs, decided from state only
    void drive()
    {
        // AW: the oldest write whose address has not gone, within the window
        Op *aw = next_unsent(writes_, &Op::aw_done);
        if (!aw_valid_ && aw && in_flight(writes_, &Op::aw_done) < max_outstanding) {
            if (aw->aw_wait > 0) aw->aw_wait--;
            else aw_valid_ = true;
        }
        Op *w = next_unsent(writes_, &Op::w_done);
        if (!w_valid_ && w && in_flight(writes_, &Op::w_done) < max_outstanding) {
            if (w->w_wait > 0) w->w_wait--;
            else w_valid_ = true;
        }
        Op *ar = next_unsent(reads_, &Op::aw_done);
        if (!ar_valid_ && ar && in_flight(reads_, &Op::aw_done) < max_outstanding) {
            if (ar->aw_wait > 0) ar->aw_wait--;
            else ar_valid_ = true;
        }
        // payloads are junk while VALID is low: the slave must not look
        uint32_t junk = (uint32_t)rng_.next();
        t_->s_axi_ctrl_awvalid = aw_valid_;
        t_->s_axi_ctrl_awaddr = aw_valid_ ? aw->addr & 0xfff : junk & 0xfff;
        t_->s_axi_ctrl_awprot = (uint8_t)(junk >> 12 & 7);
        t_->s_axi_ctrl_wvalid = w_valid_;
        t_->s_axi_ctrl_wdata = w_valid_ ? w->data : junk * 2654435761u;
        t_->s_axi_ctrl_wstrb = (uint8_t)(w_valid_ ? w->strb : junk >> 16 & 0xf);
        t_->s_axi_ctrl_arvalid = ar_valid_;
        t_->s_axi_ctrl_araddr = ar_valid_ ? ar->addr & 0xfff : junk >> 20 & 0xfff;
        t_->s_axi_ctrl_arprot = (uint8_t)(junk >> 24 & 7);
        t_->s_axi_ctrl_bready = rng_.percent(ready_pct);
        t_->s_axi_ctrl_rready = rng_.percent(ready_pct);
    }

    // after the model settled: this cycle's handshakes
    void observe(long long cycle)
    {
        check_hold("B", t_->s_axi_ctrl_bvalid, t_->s_axi_ctrl_bready, t_->s_axi_ctrl_bresp, 0, b_prev_);
        check_hold("R", t_->s_axi_ctrl_rvalid, t_->s_axi_ctrl_rready, t_->s_axi_ctrl_rresp, t_->s_axi_ctrl_rdata,
                   r_prev_);
        if (aw_valid_ && t_->s_axi_ctrl_awready) {
            next_unsent(writes_, &Op::aw_done)->aw_done = true;
            aw_valid_ = false;
        }
        if (w_valid_ && t_->s_axi_ctrl_wready) {
            next_unsent(writes_, &Op::w_done)->w_done = true;
            w_valid_ = false;
        }
        if (ar_valid_ && t_->s_axi_ctrl_arready) {
            next_unsent(reads_, &Op::aw_done)->aw_done = true;
            ar_valid_ = false;
        }
        if (t_->s_axi_ctrl_bvalid && t_->s_axi_ctrl_bready) {
            if (writes_.empty() || !writes_.front().aw_done || !writes_.front().w_done) {
                protocol("B response before its write's AW and W were both accepted", cycle);
            } else {
                Result &r = results_[writes_.front().id];
                r.done = true;
                r.resp = t_->s_axi_ctrl_bresp;
                r.cycle = cycle;
                writes_.pop_front();
            }
        }
        if (t_->s_axi_ctrl_rvalid && t_->s_axi_ctrl_rready) {
            if (reads_.empty() || !reads_.front().aw_done) {
                protocol("R response with no read accepted", cycle);
            } else {
                Result &r = results_[reads_.front().id];
                r.done = true;
                r.resp = t_->s_axi_ctrl_rresp;
                r.data = t_->s_axi_ctrl_rdata;
                r.cycle = cycle;
                reads_.pop_front();
            }
        }
    }

    // forget everything in flight (the slave was reset)
    void reset()
    {
        for (const Op &o : writes_) results_[o.id].done = true, results_[o.id].resp = 0xff;
        for (const Op &o : reads_) results_[o.id].done = true, results_[o.id].resp = 0xff;
        writes_.clear();
        reads_.clear();
        aw_valid_ = w_valid_ = ar_valid_ = false;
        b_prev_ = r_prev_ = Held();
        idle_outputs();
    }

  private:
    struct Op {
        int id = 0;
        uint32_t addr = 0, data = 0;
        unsigned strb = 0;
        int aw_wait = 0, w_wait = 0; // idle cycles before AW (AR) / W
        bool aw_done = false, w_done = false;
    };
    struct Held {
        bool stalled = false; // VALID without READY last cycle
        unsigned resp = 0;
        uint32_t data = 0;
    };

    static Op *next_unsent(std::deque<Op> &q, bool Op::*sent)
    {
        for (Op &o : q)
            if (!(o.*sent)) return &o;
        return nullptr;
    }
    static int in_flight(const std::deque<Op> &q, bool Op::*sent)
    {
        int n = 0;
        for (const Op &o : q) n += (o.*sent) ? 1 : 0;
        return n;
    }
    void check_hold(const char *ch, bool valid, bool ready, unsigned resp, uint32_t data, Held &h)
    {
        if (h.stalled && (!valid || resp != h.resp || data != h.data) && error_.empty())
            error_ = std::string(ch) + "VALID dropped or its payload changed before " + ch + "READY";
        h.stalled = valid && !ready;
        h.resp = resp;
        h.data = data;
    }
    void protocol(const char *what, long long cycle)
    {
        if (!error_.empty()) return;
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s (cycle %lld)", what, cycle);
        error_ = buf;
    }
    void idle_outputs()
    {
        t_->s_axi_ctrl_awvalid = 0;
        t_->s_axi_ctrl_wvalid = 0;
        t_->s_axi_ctrl_arvalid = 0;
        t_->s_axi_ctrl_bready = 0;
        t_->s_axi_ctrl_rready = 0;
    }

    T *t_;
    sg::Rng rng_;
    std::deque<Op> writes_, reads_; // in request order; popped at their response
    std::vector<Result> results_;   // by id
    bool aw_valid_ = false, w_valid_ = false, ar_valid_ = false;
    Held b_prev_, r_prev_;
    std::string error_;
};

#endif
