// sg_pe: one processing element -- a row of the layer, B lanes wide.
//
// Per cycle the PE reads one CSB word from its weight buffer, one activation
// from each of its B vector-buffer banks (lane b reads bank b at the lane's
// offset, so bank-balanced rows never conflict), multiplies B pairs, sums
// them in a registered adder tree and accumulates.  Zero weights are not
// stored, so they cost no cycle.  The accumulator starts from the row's bias
// (or partial sum) read from the bias buffer.
//
// Pipeline (all stages advance together when en_i is high; control comes
// from sg_ctrl, which tracks valid/first/last/group for every stage):
//   S1      weight word out of wbuf; vbuf reads issued at the lane offsets
//   S2      activations out of vbuf, through the core's rotator; products
//
// FC: lane b reads its own bank b at the lane's offset.  CONV (the sparse-wise
// dataflow): every PE holds the same word, PE p computes output pixel p of a
// group, and the vector banks of all PEs together form the vector generator's
// line buffer, banked by input column: PE q's bank b holds the columns
// x = q (mod P) of lane b's channels.  Lane b of PE p needs column
// x0 + p + j, held by PE (p + rot) mod P at offset + pbase + (q < rot), so
// each PE reads its bank there and the core rotates the data by rot.
//   S3      products registered = adder-tree level 0
//   S3+L    tree sum; the bias buffer read was issued one stage earlier
//   SA=S3+L accumulate: acc = (first ? init : acc) + sum (wraps to AccW);
//           max-pool runs (max_i) keep max(first ? init : acc, sum) instead,
//           each word then carries one tap of weight 1
`default_nettype none

module sg_pe #(
    parameter integer Banks      = 8,    // lanes = vector-buffer banks (B)
    parameter integer DataW      = 8,    // activation bits
    parameter integer WgtW       = 8,    // weight bits
    parameter integer AccW       = 32,   // accumulator bits
    parameter integer OffW       = 9,    // bits of a lane offset = vbuf address
    parameter integer VbufDepth  = 512,  // words per vector-buffer bank
    parameter integer WbufDepth  = 1024, // CSB words in the weight buffer
    parameter integer WaddrW     = 10,   // weight-buffer address bits
    parameter integer RbufDepth  = 256,  // rows of this PE per block
    parameter integer GrpW       = 8,    // row-buffer address bits
    parameter integer TreeLevels = 3,    // clog2(Banks)
    parameter integer NzW        = 4,    // bits of a nonzero-lane count, clog2(Banks+1)
    parameter integer RotW       = 1,    // bits of a lane's rotation, clog2(PeCount) (>= 1)
    parameter integer PeIdx      = 0,    // this PE's index q
    parameter integer PeWordW    = 1 + Banks * (OffW + WgtW) // stored word bits (no rotations)
) (
    input  wire                   clk_i,
    input  wire                   en_i,          // pipeline advance (not stalled)
    input  wire [Banks-1:0]       fault_i,       // simulation fault injection: invert
                                                 // these lanes' products (0 in
                                                 // hardware; see sg_core)
    // vector-buffer write (broadcast to every PE)
    input  wire [Banks-1:0]       vbuf_we_i,     // one write enable per bank
    input  wire [Banks*OffW-1:0]  vbuf_waddr_i,  // offset inside bank b at [b*OffW +: OffW]
    input  wire [Banks*DataW-1:0] vbuf_wdata_i,  // activation for bank b at [b*DataW +: DataW]
    input  wire                   vbuf_sc_i,     // scatter write: this PE's own data (the
                                                 // address is bank b's, as always)
    input  wire [DataW-1:0]       vbuf_sc_data_i,
    // weight-buffer write: the CSB word without its rotations, which the
    // core keeps once for all PEs (sg_core, rot buffer)
    input  wire                   wbuf_we_i,     // write this PE's word
    input  wire [WaddrW-1:0]      wbuf_waddr_i,
    input  wire [PeWordW-1:0]     wbuf_wdata_i,  // {last, lane B-1 {offset, value}, ..., lane 0}
    // row-record write (bias, M, S) from the loader
    input  wire                   row_we_i,
    input  wire [GrpW-1:0]        row_waddr_i,
    input  wire [69:0]            row_wdata_i,   // {S[5:0], M[31:0], bias[31:0]}
    // sequencer: weight read (S0)
    input  wire                   wbuf_re_i,     // read wbuf_raddr_i (en & issue valid)
    input  wire [WaddrW-1:0]      wbuf_raddr_i,
    input  wire [Banks*RotW-1:0]  rot_s1_i,      // lane rotations of the word at S1 (core's rot buffer)
    // stage SA-1: start of a row group, read its bias and requant parameters
    input  wire                   pre_first_i,   // valid & first word at SA-1
    input  wire [GrpW-1:0]        pre_grp_i,     // group index at SA-1
    // stage SA: accumulate
    input  wire                   acc_v_i,       // a valid word is at SA
    input  wire                   acc_first_i,   // it is the first word of its group
    input  wire                   acc_wb_i,      // write the sum back as partial sum (last word, not final)
    input  wire [GrpW-1:0]        acc_grp_i,     // its group index
    // CONV addressing (both constant during a RUN)
    input  wire                   conv_i,        // the RUN is a CONV run
    input  wire                   max_i,         // accumulate by maximum (max-pool)
    input  wire [OffW-1:0]        pbase_i,       // pixel base added to every offset
    // vector generator: raw bank data out, rotated activations back in (S2)
    output wire [Banks*DataW-1:0] bank_o,        // bank b's read data
    input  wire [Banks*DataW-1:0] act_i,         // activation of lane b (rotated)
    // outputs
    output wire                   last_o,        // last bit of the word at S1
    output wire [NzW-1:0]         nz_o,          // nonzero lanes of the word at S1
    output wire [Banks-1:0]       lane_nz_o,     // which lanes of that word are nonzero
    output wire [AccW-1:0]        sum_o,         // accumulator value after the word at SA
    output wire [31:0]            mult_o,        // requant M of the group at SA
    output wire [5:0]             shift_o        // requant S of the group at SA
);

  localparam integer LaneW = OffW + WgtW;  // a lane of the stored word
  localparam integer PeIdxI = PeIdx;
  localparam [RotW-1:0] MyIdx = PeIdxI[RotW-1:0];
  localparam integer ProdW = DataW + WgtW;
  localparam integer SumW  = ProdW + TreeLevels;

  // ---- S1: weight word --------------------------------------------------
  wire [PeWordW-1:0] word_s1;

  sg_sdp_ram #(
      .Width(PeWordW),
      .Depth(WbufDepth),
      .AddrW(WaddrW)
  ) u_wbuf (
      .clk_i  (clk_i),
      .we_i   (wbuf_we_i),
      .waddr_i(wbuf_waddr_i),
      .wdata_i(wbuf_wdata_i),
      .re_i   (wbuf_re_i),
      .raddr_i(wbuf_raddr_i),
      .rdata_o(word_s1)
  );

  assign last_o = word_s1[PeWordW-1];

  // ---- S1 -> S2: vector-buffer reads, weight values delayed --------------
  reg  [Banks*WgtW-1:0]  val_s2_q;
  wire [Banks*DataW-1:0] act_s2 = act_i;
  reg  [Banks*ProdW-1:0] prod_s3_q;
  reg  [NzW-1:0]         nz;

  genvar b;
  generate
    for (b = 0; b < Banks; b = b + 1) begin : gen_lane
      wire [WgtW-1:0] val_s1 = word_s1[b*LaneW +: WgtW];
      wire [OffW-1:0] off_s1 = word_s1[b*LaneW+WgtW +: OffW];
      wire [RotW-1:0] rot_s1 = rot_s1_i[b*RotW +: RotW];
      // CONV: this PE's column of the word's pixel group lies one step on when
      // the rotation wraps past it (q < rot); the highest index never does.
      wire            wraps;
      if (PeIdxI == (1 << RotW) - 1) begin : gen_no_wrap
        assign wraps = 1'b0;
        wire unused_rot = ^rot_s1;
      end else begin : gen_wrap
        assign wraps = MyIdx < rot_s1;
      end
      // FC and LSTM read at offset + pbase too (LSTM: the step's region)
      wire [OffW-1:0] raddr  = off_s1 + pbase_i + {{(OffW-1){1'b0}}, conv_i && wraps};

      sg_sdp_ram #(
          .Width(DataW),
          .Depth(VbufDepth),
          .AddrW(OffW)
      ) u_vbuf (
          .clk_i  (clk_i),
          .we_i   (vbuf_we_i[b]),
          .waddr_i(vbuf_waddr_i[b*OffW +: OffW]),
          .wdata_i(vbuf_sc_i ? vbuf_sc_data_i : vbuf_wdata_i[b*DataW +: DataW]),
          .re_i   (en_i),
          .raddr_i(raddr),
          .rdata_o(bank_o[b*DataW +: DataW])
      );

      always @(posedge clk_i) begin
        if (en_i) begin
          val_s2_q[b*WgtW +: WgtW] <= val_s1;
        end
      end

      // ---- S2 -> S3: signed DataW x WgtW product --------------------------
      // Signed operands of their own width let synthesis see a DataW x WgtW
      // multiply (one DSP48E2 up to 27x18); hand sign-extension to ProdW bits
      // made Yosys build a ProdW x ProdW one (3 DSPs at 16 bits).
      wire signed [DataW-1:0] act_b = act_s2[b*DataW +: DataW];
      wire signed [WgtW-1:0]  val_b = val_s2_q[b*WgtW +: WgtW];
      wire signed [ProdW-1:0] mul   = act_b * val_b;
      // (the fault XOR is apart: an unsigned operand would make the multiply unsigned)
      wire signed [ProdW-1:0] prod  = mul ^ {ProdW{fault_i[b]}};

      always @(posedge clk_i) begin
        if (en_i) prod_s3_q[b*ProdW +: ProdW] <= prod;
      end
    end
  endgenerate

  // Nonzero lanes of the S1 word (useful MACs for the performance counter).
  integer k;
  reg [Banks-1:0] lane_nz;
  always @* begin
    nz = {NzW{1'b0}};
    for (k = 0; k < Banks; k = k + 1) begin
      lane_nz[k] = |word_s1[k*LaneW +: WgtW];
      nz = nz + {{(NzW-1){1'b0}}, lane_nz[k]};
    end
  end
  assign nz_o      = nz;
  assign lane_nz_o = lane_nz;

  // ---- S3 .. SA: adder tree ----------------------------------------------
  wire [SumW-1:0] tree_sum;

  sg_adder_tree #(
      .Inputs(Banks),
      .InW   (ProdW),
      .Levels(TreeLevels),
      .OutW  (SumW)
  ) u_tree (
      .clk_i (clk_i),
      .en_i  (en_i),
      .data_i(prod_s3_q),
      .sum_o (tree_sum)
  );

  // Tree sum wrapped or sign-extended to the accumulator width.
  wire [AccW-1:0] sum_acc;
  generate
    if (SumW >= AccW) begin : gen_sum_wrap
      assign sum_acc = tree_sum[AccW-1:0];
      if (SumW > AccW) begin : gen_sum_drop
        // The bits above AccW are dropped on purpose (wrap policy, sg_post.h).
        wire unused_sum_hi = ^tree_sum[SumW-1:AccW];
      end
    end else begin : gen_sum_ext
      assign sum_acc = {{(AccW - SumW){tree_sum[SumW-1]}}, tree_sum};
    end
  endgenerate

  // ---- bias / partial sum and requant parameters (read at SA-1) ----------
  wire [31:0] init_sa;
  wire [37:0] quant_sa;
  reg  [AccW-1:0] acc_q;
  wire [AccW-1:0] acc_base = acc_first_i ? init_sa[AccW-1:0] : acc_q;
  wire [AccW-1:0] acc_add  = acc_base + sum_acc;
  wire            sum_gt   = $signed(sum_acc) > $signed(acc_base);
  wire [AccW-1:0] acc_sum  = max_i ? (sum_gt ? sum_acc : acc_base) : acc_add;
  wire [31:0] acc_sext;
  generate
    if (AccW < 32) begin : gen_acc_ext
      assign acc_sext = {{(32 - AccW){acc_sum[AccW-1]}}, acc_sum};
      // A bias wider than the accumulator wraps to AccW bits (sg_post.h).
      wire unused_init_hi = ^init_sa[31:AccW];
    end else begin : gen_acc_full
      assign acc_sext = acc_sum;
    end
  endgenerate

  sg_sdp_ram #(
      .Width(32),
      .Depth(RbufDepth),
      .AddrW(GrpW)
  ) u_bbuf (
      .clk_i  (clk_i),
      .we_i   (row_we_i | (en_i & acc_v_i & acc_wb_i)),
      .waddr_i(row_we_i ? row_waddr_i : acc_grp_i),
      .wdata_i(row_we_i ? row_wdata_i[31:0] : acc_sext),
      .re_i   (en_i & pre_first_i),
      .raddr_i(pre_grp_i),
      .rdata_o(init_sa)
  );

  sg_sdp_ram #(
      .Width(38),
      .Depth(RbufDepth),
      .AddrW(GrpW)
  ) u_qbuf (
      .clk_i  (clk_i),
      .we_i   (row_we_i),
      .waddr_i(row_waddr_i),
      .wdata_i(row_wdata_i[69:32]),
      .re_i   (en_i & pre_first_i),
      .raddr_i(pre_grp_i),
      .rdata_o(quant_sa)
  );

  always @(posedge clk_i) begin
    if (en_i && acc_v_i) acc_q <= acc_sum;
  end

  assign sum_o   = acc_sum;
  assign mult_o  = quant_sa[31:0];
  assign shift_o = quant_sa[37:32];

  initial begin
    if (PeWordW != 1 + Banks * LaneW) $error("sg_pe: PeWordW %0d != 1 + Banks*(OffW+WgtW) (instance %m)", PeWordW);
    if ((1 << OffW) < VbufDepth) $error("sg_pe: OffW %0d too small for VbufDepth %0d (instance %m)", OffW, VbufDepth);
  end

endmodule

`default_nettype wire
