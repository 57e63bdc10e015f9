// sg_post: bias-added accumulators -> requant -> activation -> output stream.
//
// The PE array hands over one batch (one accumulator per PE, with the row's
// M and S) when a row group finishes.  Two batches are held, so the array
// only stalls when the post unit is two groups behind.  Results are processed
// Lanes per cycle, in PE order (row g*P + p), as golden/sg_post.c defines:
//   Q0  select entries idx .. idx + Lanes - 1 of the oldest batch
//   Q1  prod = acc * M                                     (64-bit, exact)
//   Q2  y = act(sat_DataW((prod + (S ? 1 << (S-1) : 0)) >>> S))
//   Q3  pack E = StreamW / DataW results per beat into the output register;
//       a chunk that overflows a beat carries its rest into the next one
// Every stage advances when the output register is free or being taken.
// A batch captured with write-back on (OUT) also goes into the vector banks:
// when its chunk leaves Q2, result idx + j is written to PE idx + j, bank
// and address of the batch, if the batch's PE mask has the bit (sg_ctrl
// registers the write); wb_busy_o holds until every such write has left.
// One lane keeps up with the array when a group takes at least P cycles;
// shorter groups (high sparsity, CONV channels with few words) need more.
//
// LSTM batches (cap_lstm_i, gen/sg_cmd.h LSTM): the rows are gate rows in
// the order i, f, g, o of unit 0, then of unit 1, ...  Q2 also saturates
// each requantized result to the 16-bit Q3.12 gate format (golden/
// sg_lstm.h); those gates are not streamed out but gathered, in order, into
// groups of 4 * LstmLanes (LstmLanes whole hidden units; fewer at the end
// of the step), which go with their cell states c_(t-1) from the cell
// buffer into the element-wise unit (sg_lstm_ew.v):
//   G   gather gates; a full group (or the step's rest) fires, reading the
//       cell buffer at the group's address
//   F   fired group registered, cell states out of the buffer (0 on the
//       first step of a sequence: lstm_czero_i)
//   E0 .. E5  the element-wise unit; at E5 c_t goes back into the cell
//       buffer, h_t to the vector banks (h_we_o: bank h_bank_o + l, row
//       h_row_o from the step's h base, l < h_n_o; sg_ctrl writes every PE)
//       and into Q3, which streams it out (tlast on the step's last unit).
// The whole chain advances with the output register, so the result stream
// back-pressures it; the gatherer holds Q0 .. Q2 while it has a full group
// left to fire.
`default_nettype none

module sg_post #(
    parameter integer PeCount = 16,  // P: entries per batch
    parameter integer AccW    = 32,  // accumulator bits
    parameter integer DataW   = 8,   // result bits
    parameter integer StreamW = 64,  // output beat bits
    parameter integer CntW    = 5,   // bits of a count 0 .. PeCount
    parameter integer Lanes   = 1,   // results requantized per cycle, 1 .. min(P, E)
    parameter integer BankW   = 3,   // bits of a bank index
    parameter integer OffW    = 9,   // bits of a vector-buffer address
    parameter integer Banks   = 8,   // B: vector banks (h_t unit j goes to bank j % B)
    parameter integer LstmLanes = 1, // hidden units per cycle of the element-wise unit
    parameter integer TableBits = 8, // sigmoid/tanh table size 2^T + 1
    parameter integer CDepth  = 256, // cell-buffer words (LstmLanes cell states each)
    parameter integer CAddrW  = 8,   // their address bits
    parameter integer LnW     = (LstmLanes > 1) ? $clog2(LstmLanes + 1) : 1 // bits of 0 .. LstmLanes
) (
    input  wire                     clk_i,
    input  wire                     rst_i,        // synchronous, active high
    // batch capture from the PE array
    input  wire                     cap_i,        // capture a batch this cycle
    input  wire [PeCount*AccW-1:0]  cap_acc_i,    // accumulators, PE p at [p*AccW +: AccW]
    input  wire [PeCount*32-1:0]    cap_mult_i,   // M per PE
    input  wire [PeCount*6-1:0]     cap_shift_i,  // S per PE
    input  wire [CntW-1:0]          cap_nvalid_i, // rows of the batch to emit, 1 .. PeCount
    input  wire                     cap_last_i,   // batch holds the run's last row
    input  wire [1:0]               cap_act_i,    // activation
    input  wire [DataW-1:0]         cap_act_max_i,// relu6 clamp
    input  wire                     cap_wb_i,     // write the batch back into the vector banks
    input  wire [BankW-1:0]         cap_wb_bank_i,
    input  wire [OffW-1:0]          cap_wb_addr_i,
    input  wire [PeCount-1:0]       cap_wb_mask_i,// PEs whose result is written
    input  wire                     cap_lstm_i,   // LSTM gate rows: gather, do not stream
    input  wire                     lstm_czero_i, // the step starts from c = 0
    output wire                     lstm_busy_o,  // gates or h_t of the step still in flight
    // h_t into the vector banks of every PE, this cycle
    output wire                     h_we_o,
    output wire [BankW-1:0]         h_bank_o,     // bank of lane 0 (lane l: + l)
    output wire [OffW-1:0]          h_row_o,      // address from the step's h base
    output wire [LnW-1:0]           h_n_o,        // lanes written, 1 .. LstmLanes
    output wire [LstmLanes*DataW-1:0] h_lanes_o,
    output wire                     full_o,       // both batch slots are taken
    output wire                     busy_o,       // something is held or in flight
    output wire                     wb_busy_o,    // a write-back is pending
    // write-back into the vector banks, this cycle: PE p writes lane p % Lanes
    // at bank wb_bank_o, address wb_addr_o when wb_we_o[p]
    output wire [PeCount-1:0]       wb_we_o,
    output wire [BankW-1:0]         wb_bank_o,
    output wire [OffW-1:0]          wb_addr_o,
    output wire [Lanes*DataW-1:0]   wb_lanes_o,
    // result stream
    output wire [StreamW-1:0]       m_axis_tdata_o,
    output wire                     m_axis_tvalid_o,
    input  wire                     m_axis_tready_i,
    output wire                     m_axis_tlast_o
);

  localparam integer Elems    = StreamW / DataW;
  localparam integer LaneIdxW = (Elems > 1) ? $clog2(Elems) : 1;  // 0 .. Elems-1
  localparam integer PkLanes  = (Lanes > LstmLanes) ? Lanes : LstmLanes; // Q3 input lanes
  localparam integer PkW      = ((CntW > LnW) ? CntW : LnW) + 1;   // bits of a Q3 count (one spare:
                                                                   // no zero-width padding below)
  localparam integer SumW     = $clog2(Elems + PkLanes + 1);       // 0 .. Elems+PkLanes
  localparam integer TotW     = ((SumW > PkW) ? SumW : PkW) + 1;
  localparam integer ExtW     = (Elems + PkLanes) * DataW;
  localparam integer LanesI   = Lanes;
  localparam integer ElemsI   = Elems;
  localparam [CntW-1:0] LanesC = LanesI[CntW-1:0];
  localparam [TotW-1:0] ElemsT = ElemsI[TotW-1:0];

  // ---- two batch slots -------------------------------------------------
  reg [PeCount*AccW-1:0] acc_q  [0:1];
  reg [PeCount*32-1:0]   mult_q [0:1];
  reg [PeCount*6-1:0]    shift_q[0:1];
  reg [CntW-1:0]         nval_q [0:1];
  reg                    blast_q[0:1];
  reg [1:0]              act_q  [0:1];
  reg [DataW-1:0]        amax_q [0:1];
  reg                    wb_q   [0:1];
  reg [BankW-1:0]        wbank_q[0:1];
  reg [OffW-1:0]         waddr_q[0:1];
  reg [PeCount-1:0]      wmask_q[0:1];
  reg                    lstm_q [0:1];
  reg                    wp_q, rp_q;    // write and read slot
  reg [1:0]              cnt_q;         // batches held
  reg [CntW-1:0]         idx_q;         // next entry of the read slot

  wire            pen;                                 // post pipeline advances
  wire            take = pen && (cnt_q != 2'd0);       // Q0 reads a chunk this cycle
  wire [CntW-1:0] left = nval_q[rp_q] - idx_q;         // entries of the batch still to read
  wire            pop;                                 // this chunk ends the batch
  generate
    if (Lanes >= PeCount) begin : gen_pop_all
      assign pop = take;                               // a batch always fits one chunk
    end else begin : gen_pop_cmp
      assign pop = take && (left <= LanesC);
    end
  endgenerate
  wire [CntW-1:0] take_n = pop ? left : LanesC;        // entries in the chunk

  always @(posedge clk_i) begin
    if (cap_i) begin
      acc_q[wp_q]   <= cap_acc_i;
      mult_q[wp_q]  <= cap_mult_i;
      shift_q[wp_q] <= cap_shift_i;
      nval_q[wp_q]  <= cap_nvalid_i;
      blast_q[wp_q] <= cap_last_i;
      act_q[wp_q]   <= cap_act_i;
      amax_q[wp_q]  <= cap_act_max_i;
      wb_q[wp_q]    <= cap_wb_i;
      wbank_q[wp_q] <= cap_wb_bank_i;
      waddr_q[wp_q] <= cap_wb_addr_i;
      wmask_q[wp_q] <= cap_wb_mask_i;
      lstm_q[wp_q]  <= cap_lstm_i;
    end
  end

  always @(posedge clk_i) begin
    if (rst_i) begin
      wp_q  <= 1'b0;
      rp_q  <= 1'b0;
      cnt_q <= 2'd0;
      idx_q <= {CntW{1'b0}};
    end else begin
      if (cap_i) wp_q <= ~wp_q;
      if (pop) begin
        rp_q  <= ~rp_q;
        idx_q <= {CntW{1'b0}};
      end else if (take) begin
        idx_q <= idx_q + LanesC;
      end
      cnt_q <= cnt_q + {1'b0, cap_i} - {1'b0, pop};
    end
  end

  assign full_o = (cnt_q == 2'd2);

  // ---- chunk control through Q0 .. Q2 --------------------------------------
  reg [CntW-1:0]  q0_n_q, q1_n_q, q2_n_q;           // results in the chunk (0: bubble)
  reg             q0_last_q, q1_last_q, q2_last_q;  // the chunk ends the run
  reg [1:0]       q0_act_q, q1_act_q;
  reg [DataW-1:0] q0_amax_q, q1_amax_q;
  reg             q0_wb_q, q1_wb_q, q2_wb_q;        // the chunk is written back
  reg [BankW-1:0] q0_bank_q, q1_bank_q, q2_bank_q;
  reg [OffW-1:0]  q0_addr_q, q1_addr_q, q2_addr_q;
  reg [CntW-1:0]  q0_idx_q, q1_idx_q, q2_idx_q;     // first entry (PE) of the chunk
  reg [PeCount-1:0] q0_mask_q, q1_mask_q, q2_mask_q;
  reg             q0_lstm_q, q1_lstm_q, q2_lstm_q;  // the chunk holds LSTM gates

  always @(posedge clk_i) begin
    if (rst_i) begin
      q0_n_q <= {CntW{1'b0}};
      q1_n_q <= {CntW{1'b0}};
      q2_n_q <= {CntW{1'b0}};
      q0_wb_q <= 1'b0;
      q1_wb_q <= 1'b0;
      q2_wb_q <= 1'b0;
      q0_lstm_q <= 1'b0;
      q1_lstm_q <= 1'b0;
      q2_lstm_q <= 1'b0;
    end else if (pen) begin
      q0_n_q <= take ? take_n : {CntW{1'b0}};
      q1_n_q <= q0_n_q;
      q2_n_q <= q1_n_q;
      q0_wb_q <= take && wb_q[rp_q];
      q1_wb_q <= q0_wb_q;
      q2_wb_q <= q1_wb_q;
      q0_lstm_q <= take && lstm_q[rp_q];
      q1_lstm_q <= q0_lstm_q;
      q2_lstm_q <= q1_lstm_q;
    end
  end

  always @(posedge clk_i) begin
    if (pen) begin
      q0_bank_q <= wbank_q[rp_q];
      q0_addr_q <= waddr_q[rp_q];
      q0_idx_q  <= idx_q;
      q0_mask_q <= wmask_q[rp_q];
      q1_bank_q <= q0_bank_q;
      q1_addr_q <= q0_addr_q;
      q1_idx_q  <= q0_idx_q;
      q1_mask_q <= q0_mask_q;
      q2_bank_q <= q1_bank_q;
      q2_addr_q <= q1_addr_q;
      q2_idx_q  <= q1_idx_q;
      q2_mask_q <= q1_mask_q;
    end
  end

  always @(posedge clk_i) begin
    if (pen) begin
      q0_last_q <= blast_q[rp_q] && pop;
      q0_act_q  <= act_q[rp_q];
      q0_amax_q <= amax_q[rp_q];
      q1_last_q <= q0_last_q;
      q1_act_q  <= q0_act_q;
      q1_amax_q <= q0_amax_q;
      q2_last_q <= q1_last_q;
    end
  end

  // ---- Q0 .. Q2 datapath, one per lane ---------------------------------------
  localparam [63:0] MaxY = (64'd1 << (DataW - 1)) - 64'd1;
  localparam [63:0] MinY = ~MaxY;
  wire [Lanes*DataW-1:0] y2;   // Q2 results, lane j at [j*DataW +: DataW]
  wire [Lanes*16-1:0]    z2;   // Q2 results as Q3.12 gates (sat16), lane j at [j*16 +: 16]

  genvar j;
  generate
    for (j = 0; j < Lanes; j = j + 1) begin : gen_lane
      localparam integer Ji = j;
      // entry idx + j of the read slot (beyond the batch: masked below)
      wire [CntW:0] e = {1'b0, idx_q} + Ji[CntW:0];
      reg [AccW-1:0]  q0_acc_q;
      reg [31:0]      q0_mult_q;
      reg [5:0]       q0_shift_q, q1_shift_q;
      reg [63:0]      q1_prod_q;
      reg [DataW-1:0] q2_y_q;
      reg [15:0]      q2_z_q;
      always @(posedge clk_i) begin
        if (pen) begin
          q0_acc_q   <= acc_q[rp_q][e*AccW +: AccW];
          q0_mult_q  <= mult_q[rp_q][e*32 +: 32];
          q0_shift_q <= shift_q[rp_q][e*6 +: 6];
        end
      end

      // Q1: a signed AccW x 32 multiply (4 DSP48E2 at 32 bits); operands
      // extended by hand to 64 bits made Yosys build a 64 x 64 one (10 DSPs).
      wire signed [AccW-1:0] acc_s  = q0_acc_q;
      wire signed [31:0]     mult_s = q0_mult_q;
      wire signed [63:0]     prod   = acc_s * mult_s;
      always @(posedge clk_i) begin
        if (pen) begin
          q1_prod_q  <= prod;
          q1_shift_q <= q0_shift_q;
        end
      end

      // Q2: round, shift, saturate, activate; lanes past the chunk give 0
      reg [63:0]      rnd, shifted;
      reg [DataW-1:0] sat, y;
      reg [15:0]      z;
      always @* begin
        rnd = q1_prod_q;
        if (q1_shift_q != 6'd0) rnd = q1_prod_q + (64'd1 << (q1_shift_q - 6'd1));
        shifted = $unsigned($signed(rnd) >>> q1_shift_q);
        if ($signed(shifted) > $signed(MaxY)) sat = MaxY[DataW-1:0];
        else if ($signed(shifted) < $signed(MinY)) sat = MinY[DataW-1:0];
        else sat = shifted[DataW-1:0];
        y = sat;
        if (q1_act_q != 2'd0 && sat[DataW-1]) y = {DataW{1'b0}};
        if (q1_act_q == 2'd2 && !sat[DataW-1] && $signed(sat) > $signed(q1_amax_q)) y = q1_amax_q;
        if ($signed(shifted) > 64'sd32767) z = 16'h7fff;
        else if ($signed(shifted) < -64'sd32768) z = 16'h8000;
        else z = shifted[15:0];
        if (Ji[CntW:0] >= {1'b0, q1_n_q}) begin
          y = {DataW{1'b0}};
          z = 16'd0;
        end
      end
      always @(posedge clk_i) begin
        if (pen) begin
          q2_y_q <= y;
          q2_z_q <= z;
        end
      end
      assign y2[j*DataW +: DataW] = q2_y_q;
      assign z2[j*16 +: 16] = q2_z_q;
    end
  endgenerate

  // ---- write-back: the chunk leaving Q2 goes to PEs idx .. idx + n - 1 ----
  // idx is a multiple of Lanes (it starts at 0 and steps by Lanes), so PE p
  // only ever takes lane p % Lanes, in the chunk whose idx is p - p % Lanes:
  // one compare per PE, no multiplexer.  sg_ctrl registers the write into
  // the vector banks through its scatter port.
  wire wb_fire = pen && q2_wb_q && (q2_n_q != {CntW{1'b0}});
  assign wb_bank_o  = q2_bank_q;
  assign wb_addr_o  = q2_addr_q;
  assign wb_lanes_o = y2;
  genvar w;
  generate
    for (w = 0; w < PeCount; w = w + 1) begin : gen_wb
      localparam integer Lane  = w % Lanes;
      localparam integer Chunk = w - Lane;   // idx of the chunk that holds PE w
      localparam [CntW-1:0] ChunkC = Chunk[CntW-1:0];
      localparam [CntW-1:0] LaneC  = Lane[CntW-1:0];
      assign wb_we_o[w] = wb_fire && (q2_idx_q == ChunkC) && (LaneC < q2_n_q) && q2_mask_q[w];
    end
  endgenerate

  // ---- LSTM: gather gates (G), fire (F), element-wise unit (E0 .. E5) -----
  localparam integer GateN  = 4 * LstmLanes;          // gates of a full group
  localparam integer GBufN  = GateN + Lanes;          // gatherer entries
  localparam integer GCntW  = (($clog2(GBufN + 1) > CntW) ? $clog2(GBufN + 1) : CntW) + 1;
  localparam integer Lat    = 6;                      // sg_lstm_ew latency
  localparam integer LaneI  = LstmLanes;
  localparam integer BanksI = Banks;
  localparam [GCntW-1:0] GateC = GateN[GCntW-1:0];
  localparam [BankW:0]   LstmLanesB = LaneI[BankW:0];
  localparam [BankW:0]   BanksB = BanksI[BankW:0];

  wire                pd;                               // G, F, E and Q3 advance
  reg [GBufN*16-1:0]  gbuf_q;                           // gathered gates, oldest at 0
  reg [GCntW-1:0]     gcnt_q;
  reg                 glast_q;                          // the gates held end the step
  wire                g_in  = pen && q2_lstm_q && (q2_n_q != {CntW{1'b0}});
  wire [GBufN*16-1:0] g_new = g_in ? {{(GateN*16){1'b0}}, z2} : {(GBufN*16){1'b0}};
  wire [GBufN*16-1:0] gext  = gbuf_q | (g_new << (gcnt_q * 16));
  wire [GCntW-1:0]    gtot  = gcnt_q + (g_in ? {{(GCntW-CntW){1'b0}}, q2_n_q} : {GCntW{1'b0}});
  wire                glast = glast_q || (g_in && q2_last_q);
  wire                gfull = (gtot >= GateC);
  wire                gfire = gfull || (glast && gtot != {GCntW{1'b0}});
  wire [GCntW-1:0]    gtake = gfull ? GateC : gtot;
  wire [GCntW-1:0]    grest = gtot - gtake;
  wire                gend  = glast && (grest == {GCntW{1'b0}}); // the fire ends the step
  wire [GCntW-1:0]    gunits = gtake >> 2;
  wire                unused_gunits = ^(gunits >> LnW);  // at most LstmLanes
  // the next group's cell-buffer address and h_t bank and row
  reg [CAddrW-1:0]    ck_q;
  reg [BankW-1:0]     hb_q;
  reg [OffW-1:0]      hr_q;
  wire [BankW:0]      hb_next = {1'b0, hb_q} + LstmLanesB;
  // F: the fired group
  reg                 fv_q, flast_q;
  reg [GateN*16-1:0]  fz_q;
  reg [LnW-1:0]       fn_q;
  reg [CAddrW-1:0]    fca_q;
  reg [BankW-1:0]     fb_q;
  reg [OffW-1:0]      fr_q;
  wire [LstmLanes*32-1:0] c_rd;

  always @(posedge clk_i) begin
    if (rst_i) begin
      gbuf_q  <= {(GBufN*16){1'b0}};
      gcnt_q  <= {GCntW{1'b0}};
      glast_q <= 1'b0;
      ck_q    <= {CAddrW{1'b0}};
      hb_q    <= {BankW{1'b0}};
      hr_q    <= {OffW{1'b0}};
      fv_q    <= 1'b0;
    end else if (pd) begin
      fv_q <= gfire;
      if (gfire) begin
        gbuf_q  <= gext >> (GateN * 16);
        gcnt_q  <= grest;
        glast_q <= glast && !gend;
        if (gend) begin
          ck_q <= {CAddrW{1'b0}};
          hb_q <= {BankW{1'b0}};
          hr_q <= {OffW{1'b0}};
        end else begin
          ck_q <= ck_q + 1'b1;
          if (hb_next == BanksB) begin
            hb_q <= {BankW{1'b0}};
            hr_q <= hr_q + 1'b1;
          end else begin
            hb_q <= hb_next[BankW-1:0];
          end
        end
      end else begin
        gbuf_q  <= gext;
        gcnt_q  <= gtot;
        glast_q <= 1'b0;
      end
    end
  end

  always @(posedge clk_i) begin
    if (pd) begin
      fz_q    <= gext[GateN*16-1:0];
      fn_q    <= gunits[LnW-1:0];
      flast_q <= gend;
      fca_q   <= ck_q;
      fb_q    <= hb_q;
      fr_q    <= hr_q;
    end
  end

  // E: the element-wise unit and the side pipeline that travels with it
  wire                    ew_v;
  wire [LstmLanes*DataW-1:0] ew_h;
  wire [LstmLanes*32-1:0] ew_c;
  wire [LstmLanes*32-1:0] c_in = lstm_czero_i ? {(LstmLanes*32){1'b0}} : c_rd;
  sg_lstm_ew #(
      .DataW(DataW), .TableBits(TableBits), .Lanes(LstmLanes)
  ) u_ew (
      .clk_i  (clk_i),
      .rst_i  (rst_i),
      .en_i   (pd),
      .valid_i(fv_q),
      .z_i    (fz_q),
      .c_i    (c_in),
      .valid_o(ew_v),
      .h_o    (ew_h),
      .c_o    (ew_c)
  );
  reg [Lat-1:0]    sv_q, sl_q;            // valid, step's end
  reg [Lat*LnW-1:0]    sn_q;
  reg [Lat*CAddrW-1:0] sca_q;
  reg [Lat*BankW-1:0]  sb_q;
  reg [Lat*OffW-1:0]   sr_q;
  always @(posedge clk_i) begin
    if (rst_i) sv_q <= {Lat{1'b0}};
    else if (pd) sv_q <= {sv_q[Lat-2:0], fv_q};
  end
  always @(posedge clk_i) begin
    if (pd) begin
      sl_q  <= {sl_q[Lat-2:0], flast_q};
      sn_q  <= {sn_q[(Lat-1)*LnW-1:0], fn_q};
      sca_q <= {sca_q[(Lat-1)*CAddrW-1:0], fca_q};
      sb_q  <= {sb_q[(Lat-1)*BankW-1:0], fb_q};
      sr_q  <= {sr_q[(Lat-1)*OffW-1:0], fr_q};
    end
  end
  wire [LnW-1:0] e_n = sn_q[(Lat-1)*LnW +: LnW];
  wire           e_last = sl_q[Lat-1];

  // the cell buffer: read when a group fires, written at E5
  sg_sdp_ram #(
      .Width(LstmLanes*32), .Depth(CDepth), .AddrW(CAddrW)
  ) u_cbuf (
      .clk_i  (clk_i),
      .we_i   (pd && ew_v),
      .waddr_i(sca_q[(Lat-1)*CAddrW +: CAddrW]),
      .wdata_i(ew_c),
      .re_i   (pd),
      .raddr_i(ck_q),
      .rdata_o(c_rd)
  );

  // h_t of lanes past the group's units are zero (Q3 packs them)
  wire [LstmLanes*DataW-1:0] e_h;
  genvar hl;
  generate
    for (hl = 0; hl < LstmLanes; hl = hl + 1) begin : gen_h
      localparam integer Hi = hl;
      assign e_h[hl*DataW +: DataW] = (Hi[LnW:0] < {1'b0, e_n}) ? ew_h[hl*DataW +: DataW] : {DataW{1'b0}};
    end
  endgenerate
  assign h_we_o    = pd && ew_v;
  assign h_bank_o  = sb_q[(Lat-1)*BankW +: BankW];
  assign h_row_o   = sr_q[(Lat-1)*OffW +: OffW];
  assign h_n_o     = e_n;
  assign h_lanes_o = e_h;
  assign lstm_busy_o = (cnt_q != 2'd0) || (q0_n_q != {CntW{1'b0}}) || (q1_n_q != {CntW{1'b0}}) ||
                       (q2_n_q != {CntW{1'b0}}) || (gcnt_q != {GCntW{1'b0}}) || glast_q || fv_q ||
                       (sv_q != {Lat{1'b0}});

  // Q3's input: h_t from the element-wise unit, or a chunk of Q2 results
  wire                   q2_take = pen && !q2_lstm_q;
  wire [PkW-1:0]         pk_n  = ew_v ? {{(PkW-LnW){1'b0}}, e_n} :
                                 q2_take ? {{(PkW-CntW){1'b0}}, q2_n_q} : {PkW{1'b0}};
  wire [PkLanes*DataW-1:0] pk_h, pk_r;   // h_t, results, zero-extended to PkLanes
  generate
    if (PkLanes > LstmLanes) begin : gen_pk_h
      assign pk_h = {{((PkLanes-LstmLanes)*DataW){1'b0}}, e_h};
    end else begin : gen_pk_h_same
      assign pk_h = e_h;
    end
    if (PkLanes > Lanes) begin : gen_pk_r
      assign pk_r = {{((PkLanes-Lanes)*DataW){1'b0}}, y2};
    end else begin : gen_pk_r_same
      assign pk_r = y2;
    end
  endgenerate
  wire [PkLanes*DataW-1:0] pk_y = ew_v ? pk_h : pk_r;
  wire                   pk_last = ew_v ? e_last : q2_last_q;

  // ---- Q3: pack into beats -----------------------------------------------
  reg [Elems*DataW-1:0] beat_q;   // results gathered so far (lanes 0 .. lane_q-1)
  reg [LaneIdxW-1:0]    lane_q;   // results in beat_q
  reg                   flush_q;  // beat_q holds the run's last results: send it next
  reg [StreamW-1:0]     out_data_q;
  reg                   out_valid_q;
  reg                   out_last_q;

  wire          out_free = !out_valid_q || m_axis_tready_i;
  assign pd  = out_free && !flush_q;
  assign pen = pd && (gcnt_q < GateC) && !glast_q;

  wire [ExtW-1:0] ext = {{(PkLanes*DataW){1'b0}}, beat_q} |
                        ({{(Elems*DataW){1'b0}}, pk_y} << (lane_q * DataW));
  wire [TotW-1:0] total = {{(TotW-LaneIdxW){1'b0}}, lane_q} + {{(TotW-PkW){1'b0}}, pk_n};
  wire            full  = (total >= ElemsT);
  wire [TotW-1:0] carry = full ? total - ElemsT : {TotW{1'b0}};   // results past the beat
  wire [ExtW-1:0] rest_full = ext >> (Elems * DataW);
  wire [Elems*DataW-1:0] rest = rest_full[Elems*DataW-1:0];
  // the shift leaves the top Elems lanes zero
  wire unused_rest = ^rest_full[ExtW-1:Elems*DataW];

  always @(posedge clk_i) begin
    if (rst_i) begin
      beat_q      <= {(Elems*DataW){1'b0}};
      lane_q      <= {LaneIdxW{1'b0}};
      flush_q     <= 1'b0;
      out_valid_q <= 1'b0;
      out_last_q  <= 1'b0;
    end else if (out_free) begin
      out_valid_q <= 1'b0;
      if (flush_q) begin
        out_data_q  <= beat_q;
        out_valid_q <= 1'b1;
        out_last_q  <= 1'b1;
        beat_q      <= {(Elems*DataW){1'b0}};
        lane_q      <= {LaneIdxW{1'b0}};
        flush_q     <= 1'b0;
      end else if (pk_n != {PkW{1'b0}}) begin
        if (full || pk_last) begin
          out_data_q  <= ext[Elems*DataW-1:0];
          out_valid_q <= 1'b1;
          out_last_q  <= pk_last && (carry == {TotW{1'b0}});
          beat_q      <= rest[Elems*DataW-1:0];
          lane_q      <= carry[LaneIdxW-1:0];
          flush_q     <= pk_last && (carry != {TotW{1'b0}});
        end else begin
          beat_q <= ext[Elems*DataW-1:0];
          lane_q <= total[LaneIdxW-1:0];
        end
      end
    end
  end

  assign m_axis_tdata_o  = out_data_q;
  assign m_axis_tvalid_o = out_valid_q;
  assign m_axis_tlast_o  = out_last_q;
  wire held_wb = (cnt_q == 2'd2) ? (wb_q[0] || wb_q[1]) : (cnt_q == 2'd1) && wb_q[rp_q];
  assign wb_busy_o = held_wb || q0_wb_q || q1_wb_q || q2_wb_q;
  assign busy_o = lstm_busy_o || out_valid_q || flush_q || (lane_q != {LaneIdxW{1'b0}});

`ifdef SG_ASSERTIONS
  // A batch arriving while both slots are taken would overwrite one unread.
  always @(posedge clk_i) begin
    if (!rst_i && cap_i && full_o && !pop)
      $error("sg_post: batch captured while both slots are full (instance %m)");
    if (!rst_i && cap_i && cap_nvalid_i == {CntW{1'b0}})
      $error("sg_post: batch captured with no valid row (instance %m)");
    if (!rst_i && ew_v && q2_take && q2_n_q != {CntW{1'b0}})
      $error("sg_post: h_t and a result chunk reach Q3 in the same cycle (instance %m)");
  end
`endif

  initial begin
    if (StreamW % DataW != 0) $error("sg_post: StreamW %0d not a multiple of DataW %0d (instance %m)", StreamW, DataW);
    if (AccW > 32) $error("sg_post: AccW %0d above 32 (instance %m)", AccW);
    if (Lanes < 1 || Lanes > Elems || Lanes > PeCount) $error("sg_post: Lanes %0d not in 1..min(P, E) (instance %m)", Lanes);
    if (LstmLanes < 1 || LstmLanes > Elems || Banks % LstmLanes != 0)
      $error("sg_post: LstmLanes %0d must divide Banks %0d and be <= %0d (instance %m)", LstmLanes, Banks, Elems);
  end

endmodule

`default_nettype wire
