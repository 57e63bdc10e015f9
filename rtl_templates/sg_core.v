// sg_core: the sparse accelerator -- controller, P PEs of B lanes, post unit.
//
//  s_axis --> sg_ctrl --(buffer writes, pipeline control)--> sg_pe x PeCount
//                 ^                                              |
//                 +-- full/busy -- sg_post <-- batch of P sums --+
//                                     |
//                                  m_axis
//
// All parameters come from the generated sparsegen_params.vh through the
// top level; derived widths are computed once, in gen/sg_config.c, and
// passed in (the modules check them in initial blocks).
`default_nettype none

module sg_core #(
    parameter integer PeCount    = 16,
    parameter integer Banks      = 8,
    parameter integer DataW      = 8,
    parameter integer WgtW       = 8,
    parameter integer AccW       = 32,
    parameter integer VbufDepth  = 512,
    parameter integer WbufDepth  = 1024,
    parameter integer RbufDepth  = 256,
    parameter integer StreamW    = 64,
    parameter integer OffW       = 9,
    parameter integer WaddrW     = 10,
    parameter integer GrpW       = 8,
    parameter integer WordW      = 169,
    parameter integer TreeLevels = 3,
    parameter integer PipeDepth  = 6,
    parameter integer HdrBeats   = 1,
    parameter integer WgtBeats   = 3,
    parameter integer RowBeats   = 2,
    parameter integer OutBeats   = 3,
    parameter integer MaxBeats   = 3,
    parameter integer PeW        = 4,
    parameter integer CntW       = 5,
    parameter integer NzW        = 4,
    parameter integer NzSumW     = 8,
    parameter integer RotW       = 4,
    parameter integer PostLanes  = 1,
    parameter integer LstmLanes  = 1,
    parameter integer LstmTableBits = 8,
    parameter integer LstmCDepth = 256,
    parameter integer LstmCAddrW = 8
) (
    input  wire               clk_i,
    input  wire               rst_i,
    input  wire [StreamW-1:0] s_axis_tdata_i,
    input  wire               s_axis_tvalid_i,
    output wire               s_axis_tready_o,
    output wire [StreamW-1:0] m_axis_tdata_o,
    output wire               m_axis_tvalid_o,
    input  wire               m_axis_tready_i,
    output wire               m_axis_tlast_o,
    output wire               idle_o,
    output wire               err_o,
    output wire [63:0]        perf_busy_o,
    output wire [63:0]        perf_useful_o,
    output wire [63:0]        perf_slots_o,
    output wire [63:0]        perf_stall_o
);

  wire [PeCount*Banks-1:0] vbuf_we;
  wire [Banks*OffW-1:0]  vbuf_waddr;
  wire [Banks*DataW-1:0] vbuf_wdata;
  wire                   vbuf_sc;
  wire [PeCount*DataW-1:0] vbuf_sc_data;
  wire [PeCount-1:0]  wbuf_we;
  wire [WaddrW-1:0]   wbuf_waddr;
  wire [WordW-1:0]    wbuf_wdata;
  wire [PeCount-1:0]  row_we;
  wire [GrpW-1:0]     row_waddr;
  wire [69:0]         row_wdata;
  wire                en, wbuf_re;
  wire [WaddrW-1:0]   wbuf_raddr;
  wire                pre_first, acc_v, acc_first, acc_wb;
  wire [GrpW-1:0]     pre_grp, acc_grp;
  wire                cap, cap_last, post_full, post_busy;
  wire [CntW-1:0]     cap_nvalid;
  wire [1:0]          cap_act;
  wire [DataW-1:0]    cap_act_max;
  localparam integer BankW = (Banks > 1) ? $clog2(Banks) : 1;
  wire                 cap_wb, wb_busy;
  wire [BankW-1:0]     cap_wb_bank, wb_bank;
  wire [OffW-1:0]      cap_wb_addr, wb_addr;
  wire [PeCount-1:0]   cap_wb_mask, wb_we;
  wire [PostLanes*DataW-1:0] wb_lanes;
  localparam integer LnW = (LstmLanes > 1) ? $clog2(LstmLanes + 1) : 1;
  wire                 cap_lstm, lstm_czero, lstm_busy, h_we;
  wire [BankW-1:0]     h_bank;
  wire [OffW-1:0]      h_row;
  wire [LnW-1:0]       h_n;
  wire [LstmLanes*DataW-1:0] h_lanes;

  wire [PeCount-1:0]       pe_last;
  wire [PeCount*NzW-1:0]   pe_nz;
  wire [PeCount*Banks-1:0] pe_lane_nz;  // nonzero lanes of each PE's S1 word
  wire                     count;       // the S1 words count this cycle

`ifdef SG_FAULT_HOOK
  // Simulation-only fault injection (sparsegen sim --fault PE:LANE): the
  // harness sets bit p*B + b and lane b of PE p computes a wrong product
  // (all its bits inverted), so the triage of a failing run can be tested.
  reg [PeCount*Banks-1:0] fault_q /*verilator public_flat_rw*/;
  initial fault_q = {PeCount*Banks{1'b0}};
`else
  wire [PeCount*Banks-1:0] fault_q = {PeCount*Banks{1'b0}};
`endif
  wire [PeCount*AccW-1:0]  pe_sum;
  wire [PeCount*32-1:0]    pe_mult;
  wire [PeCount*6-1:0]     pe_shift;
  wire [PeCount*Banks*DataW-1:0] pe_bank;   // raw bank read data of every PE
  wire [PeCount*Banks*DataW-1:0] pe_act;    // after the vector generator's rotator
  wire                conv, max_mode;
  wire [OffW-1:0]     pbase;

  // The rot buffer: the lane rotations of every weight-buffer word, kept
  // once for all PEs.  Only CONV words rotate, and a CONV word is the same
  // in every PE (broadcast WGT); FC and LSTM words carry rot 0.  So the PEs
  // store the word without its rotations ({last, lanes {offset, value}},
  // PeWordW bits instead of WordW) and this buffer, written with every
  // word and read with the same address, gives the rotations at S1: to each
  // PE (which bank address, offset or offset + 1) and, a stage on, to the
  // rotator.  Every PE's weight buffer is thereby B x RotW bits narrower.
  localparam integer LaneW   = RotW + OffW + WgtW;      // a lane of the CSB word
  localparam integer PeLaneW = OffW + WgtW;             // ... as a PE stores it
  localparam integer PeWordW = 1 + Banks * PeLaneW;
  wire [PeWordW-1:0]    pe_wdata;
  wire [Banks*RotW-1:0] rot_wdata, rot_s1;
  reg  [Banks*RotW-1:0] rot_s2_q;
  genvar wb;
  generate
    for (wb = 0; wb < Banks; wb = wb + 1) begin : gen_word_lane
      assign pe_wdata[wb*PeLaneW +: PeLaneW] = wbuf_wdata[wb*LaneW +: PeLaneW];
      assign rot_wdata[wb*RotW +: RotW]      = wbuf_wdata[wb*LaneW + PeLaneW +: RotW];
    end
  endgenerate
  assign pe_wdata[PeWordW-1] = wbuf_wdata[WordW-1];

  sg_sdp_ram #(
      .Width(Banks * RotW),
      .Depth(WbufDepth),
      .AddrW(WaddrW)
  ) u_rotbuf (
      .clk_i  (clk_i),
      .we_i   (|wbuf_we),
      .waddr_i(wbuf_waddr),
      .wdata_i(rot_wdata),
      .re_i   (wbuf_re),
      .raddr_i(wbuf_raddr),
      .rdata_o(rot_s1)
  );

  always @(posedge clk_i) begin
    if (en) rot_s2_q <= rot_s1;
  end

`ifdef SG_ASSERTIONS
  // a word written into one PE only (FC, LSTM) must not rotate: the rot
  // buffer has one entry per address for all PEs
  always @(posedge clk_i) begin
    if (!rst_i && |wbuf_we && !(&wbuf_we) && |rot_wdata)
      $error("sg_core: a word for one PE carries lane rotations (instance %m)");
  end
`endif

  // Vector generator rotator: lane b of PE p takes bank b of PE
  // (p + rot_b) mod P.  In a CONV run every PE holds the same (broadcast)
  // word, so rot_b is one value for all PEs and lane b's P activations are
  // one vector rotated by rot_b: a barrel rotator per bank, RotW stages of
  // 2:1 multiplexers (stage k rotates by 2^k mod P when bit k is set), about
  // RotW x DataW / 2 LUTs per lane instead of a P:1 multiplexer per lane.
  // FC and LSTM words have rot 0, so each PE reads its own banks.
  genvar rb, rk, rp;
  generate
    for (rb = 0; rb < Banks; rb = rb + 1) begin : gen_rot_bank
      for (rk = 0; rk <= RotW; rk = rk + 1) begin : gen_stage
        wire [PeCount*DataW-1:0] v;
        if (rk == 0) begin : gen_in
          for (rp = 0; rp < PeCount; rp = rp + 1) begin : gen_pe
            assign v[rp*DataW +: DataW] = pe_bank[(rp*Banks+rb)*DataW +: DataW];
          end
        end else begin : gen_rot
          localparam integer Shift = (1 << (rk - 1)) % PeCount;
          wire sel = rot_s2_q[rb*RotW + rk - 1];
          for (rp = 0; rp < PeCount; rp = rp + 1) begin : gen_pe
            localparam integer Src = (rp + Shift) % PeCount;
            assign v[rp*DataW +: DataW] = sel ? gen_stage[rk-1].v[Src*DataW +: DataW]
                                              : gen_stage[rk-1].v[rp*DataW +: DataW];
          end
        end
      end
      for (rp = 0; rp < PeCount; rp = rp + 1) begin : gen_out
        assign pe_act[(rp*Banks+rb)*DataW +: DataW] = gen_stage[RotW].v[rp*DataW +: DataW];
      end
    end
  endgenerate

  // Nonzero lanes at S1 over all PEs; in a CONV run only the PEs of valid
  // pixels count, so a partly filled pixel group is not counted as useful.
  wire [CntW-1:0]  npix;
  reg [NzSumW-1:0] nz_sum;
  integer p;
  always @* begin
    nz_sum = {NzSumW{1'b0}};
    for (p = 0; p < PeCount; p = p + 1) begin
      if (!conv || p < {{(32-CntW){1'b0}}, npix})
        nz_sum = nz_sum + {{(NzSumW-NzW){1'b0}}, pe_nz[p*NzW +: NzW]};
    end
  end

  sg_ctrl #(
      .PeCount(PeCount), .Banks(Banks), .DataW(DataW), .StreamW(StreamW),
      .OffW(OffW), .WaddrW(WaddrW), .GrpW(GrpW), .WordW(WordW),
      .PipeDepth(PipeDepth), .HdrBeats(HdrBeats), .WgtBeats(WgtBeats),
      .RowBeats(RowBeats), .OutBeats(OutBeats), .MaxBeats(MaxBeats), .PeW(PeW), .CntW(CntW),
      .NzSumW(NzSumW), .Lanes(PostLanes), .LstmLanes(LstmLanes), .BankW(BankW)
  ) u_ctrl (
      .clk_i          (clk_i),
      .rst_i          (rst_i),
      .s_axis_tdata_i (s_axis_tdata_i),
      .s_axis_tvalid_i(s_axis_tvalid_i),
      .s_axis_tready_o(s_axis_tready_o),
      .vbuf_we_o      (vbuf_we),
      .vbuf_waddr_o   (vbuf_waddr),
      .vbuf_wdata_o   (vbuf_wdata),
      .vbuf_sc_o      (vbuf_sc),
      .vbuf_sc_data_o (vbuf_sc_data),
      .wbuf_we_o      (wbuf_we),
      .conv_o         (conv),
      .max_o          (max_mode),
      .pbase_o        (pbase),
      .npix_o         (npix),
      .wbuf_waddr_o   (wbuf_waddr),
      .wbuf_wdata_o   (wbuf_wdata),
      .row_we_o       (row_we),
      .row_waddr_o    (row_waddr),
      .row_wdata_o    (row_wdata),
      .en_o           (en),
      .wbuf_re_o      (wbuf_re),
      .wbuf_raddr_o   (wbuf_raddr),
      .last_i         (pe_last[0]),
      .nz_sum_i       (nz_sum),
      .pre_first_o    (pre_first),
      .pre_grp_o      (pre_grp),
      .acc_v_o        (acc_v),
      .acc_first_o    (acc_first),
      .acc_wb_o       (acc_wb),
      .acc_grp_o      (acc_grp),
      .cap_o          (cap),
      .cap_nvalid_o   (cap_nvalid),
      .cap_last_o     (cap_last),
      .cap_act_o      (cap_act),
      .cap_act_max_o  (cap_act_max),
      .post_full_i    (post_full),
      .post_busy_i    (post_busy),
      .wb_busy_i      (wb_busy),
      .wb_we_i        (wb_we),
      .wb_bank_i      (wb_bank),
      .wb_addr_i      (wb_addr),
      .wb_lanes_i     (wb_lanes),
      .cap_wb_o       (cap_wb),
      .cap_wb_bank_o  (cap_wb_bank),
      .cap_wb_addr_o  (cap_wb_addr),
      .cap_wb_mask_o  (cap_wb_mask),
      .cap_lstm_o     (cap_lstm),
      .lstm_czero_o   (lstm_czero),
      .lstm_busy_i    (lstm_busy),
      .h_we_i         (h_we),
      .h_bank_i       (h_bank),
      .h_row_i        (h_row),
      .h_n_i          (h_n),
      .h_lanes_i      (h_lanes),
      .idle_o         (idle_o),
      .err_o          (err_o),
      .perf_busy_o    (perf_busy_o),
      .perf_useful_o  (perf_useful_o),
      .perf_slots_o   (perf_slots_o),
      .perf_stall_o   (perf_stall_o),
      .count_o        (count)
  );

  genvar g;
  generate
    for (g = 0; g < PeCount; g = g + 1) begin : gen_pe
      sg_pe #(
          .Banks(Banks), .DataW(DataW), .WgtW(WgtW), .AccW(AccW), .OffW(OffW),
          .VbufDepth(VbufDepth), .WbufDepth(WbufDepth), .WaddrW(WaddrW),
          .RbufDepth(RbufDepth), .GrpW(GrpW), .TreeLevels(TreeLevels),
          .NzW(NzW), .RotW(RotW), .PeIdx(g), .PeWordW(PeWordW)
      ) u_pe (
          .clk_i       (clk_i),
          .en_i        (en),
          .fault_i     (fault_q[g*Banks +: Banks]),
          .vbuf_we_i   (vbuf_we[g*Banks +: Banks]),
          .vbuf_waddr_i(vbuf_waddr),
          .vbuf_wdata_i(vbuf_wdata),
          .vbuf_sc_i   (vbuf_sc),
          .vbuf_sc_data_i(vbuf_sc_data[g*DataW +: DataW]),
          .wbuf_we_i   (wbuf_we[g]),
          .wbuf_waddr_i(wbuf_waddr),
          .wbuf_wdata_i(pe_wdata),
          .row_we_i    (row_we[g]),
          .row_waddr_i (row_waddr),
          .row_wdata_i (row_wdata),
          .wbuf_re_i   (wbuf_re),
          .wbuf_raddr_i(wbuf_raddr),
          .rot_s1_i    (rot_s1),
          .pre_first_i (pre_first),
          .pre_grp_i   (pre_grp),
          .acc_v_i     (acc_v),
          .acc_first_i (acc_first),
          .acc_wb_i    (acc_wb),
          .acc_grp_i   (acc_grp),
          .conv_i      (conv),
          .max_i       (max_mode),
          .pbase_i     (pbase),
          .bank_o      (pe_bank[g*Banks*DataW +: Banks*DataW]),
          .act_i       (pe_act[g*Banks*DataW +: Banks*DataW]),
          .last_o      (pe_last[g]),
          .nz_o        (pe_nz[g*NzW +: NzW]),
          .lane_nz_o   (pe_lane_nz[g*Banks +: Banks]),
          .sum_o       (pe_sum[g*AccW +: AccW]),
          .mult_o      (pe_mult[g*32 +: 32]),
          .shift_o     (pe_shift[g*6 +: 6])
      );
    end
  endgenerate

  // Every PE holds the same last bits; only PE 0's steer the sequencer.
  wire unused_pe_last = ^pe_last[PeCount-1:0];

`ifdef SG_PERF_DETAIL
  // Simulation-only activity counters (sparsegen sim defines SG_PERF_DETAIL
  // and reads them after a run; synthesis never sees them).  They count the
  // S1 words the useful-MAC counter counts, with the same CONV pixel rule:
  // per PE its nonzero lanes and the words with any; per bank the nonzero
  // lanes over all PEs.  Slots minus these are the idle and padding ones.
  reg [63:0] perf_pe_useful_q [0:PeCount-1] /*verilator public_flat_rd*/;
  reg [63:0] perf_pe_active_q [0:PeCount-1] /*verilator public_flat_rd*/;
  reg [63:0] perf_bank_useful_q [0:Banks-1] /*verilator public_flat_rd*/;
  reg [PeCount-1:0] pe_counts;  // PE p's word counts (a valid pixel in CONV)
  reg [31:0]        bank_add [0:Banks-1];
  integer dp, db;
  always @* begin
    for (dp = 0; dp < PeCount; dp = dp + 1)
      pe_counts[dp] = count && (!conv || dp < {{(32-CntW){1'b0}}, npix});
    for (db = 0; db < Banks; db = db + 1) begin
      bank_add[db] = 32'd0;
      for (dp = 0; dp < PeCount; dp = dp + 1)
        bank_add[db] = bank_add[db] + {31'd0, pe_counts[dp] & pe_lane_nz[dp*Banks+db]};
    end
  end
  always @(posedge clk_i) begin
    for (dp = 0; dp < PeCount; dp = dp + 1) begin
      if (rst_i) begin
        perf_pe_useful_q[dp] <= 64'd0;
        perf_pe_active_q[dp] <= 64'd0;
      end else if (pe_counts[dp]) begin
        perf_pe_useful_q[dp] <= perf_pe_useful_q[dp] + {{(64-NzW){1'b0}}, pe_nz[dp*NzW +: NzW]};
        perf_pe_active_q[dp] <= perf_pe_active_q[dp] + {63'd0, |pe_lane_nz[dp*Banks +: Banks]};
      end
    end
    for (db = 0; db < Banks; db = db + 1) begin
      if (rst_i) perf_bank_useful_q[db] <= 64'd0;
      else perf_bank_useful_q[db] <= perf_bank_useful_q[db] + {32'd0, bank_add[db]};
    end
  end
`else
  wire unused_lane_nz = ^{pe_lane_nz, count};
`endif

  sg_post #(
      .PeCount(PeCount), .AccW(AccW), .DataW(DataW), .StreamW(StreamW),
      .CntW(CntW), .Lanes(PostLanes), .BankW(BankW), .OffW(OffW), .Banks(Banks),
      .LstmLanes(LstmLanes), .TableBits(LstmTableBits), .CDepth(LstmCDepth), .CAddrW(LstmCAddrW)
  ) u_post (
      .clk_i          (clk_i),
      .rst_i          (rst_i),
      .cap_i          (cap),
      .cap_acc_i      (pe_sum),
      .cap_mult_i     (pe_mult),
      .cap_shift_i    (pe_shift),
      .cap_nvalid_i   (cap_nvalid),
      .cap_last_i     (cap_last),
      .cap_act_i      (cap_act),
      .cap_act_max_i  (cap_act_max),
      .cap_wb_i       (cap_wb),
      .cap_wb_bank_i  (cap_wb_bank),
      .cap_wb_addr_i  (cap_wb_addr),
      .cap_wb_mask_i  (cap_wb_mask),
      .cap_lstm_i     (cap_lstm),
      .lstm_czero_i   (lstm_czero),
      .lstm_busy_o    (lstm_busy),
      .h_we_o         (h_we),
      .h_bank_o       (h_bank),
      .h_row_o        (h_row),
      .h_n_o          (h_n),
      .h_lanes_o      (h_lanes),
      .full_o         (post_full),
      .busy_o         (post_busy),
      .wb_busy_o      (wb_busy),
      .wb_we_o        (wb_we),
      .wb_bank_o      (wb_bank),
      .wb_addr_o      (wb_addr),
      .wb_lanes_o     (wb_lanes),
      .m_axis_tdata_o (m_axis_tdata_o),
      .m_axis_tvalid_o(m_axis_tvalid_o),
      .m_axis_tready_i(m_axis_tready_i),
      .m_axis_tlast_o (m_axis_tlast_o)
  );

endmodule

`default_nettype wire
