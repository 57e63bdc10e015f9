// sg_ctrl: command decoder, buffer loaders, run sequencer and perf counters.
//
// Reads the command stream (gen/sg_cmd.h has every bit layout) one command at
// a time.  VEC, WGT and ROW write the buffers of the PEs; CLR zeroes vector-
// bank addresses; OUT sets where the post unit writes results back into the
// vector banks (a feature map kept on chip) and this block hands the target
// bank, address and PE mask over with every batch; BASE moves where
// WGT, ROW and RUN start in the weight and row buffers (so several layers can
// stay resident); RUN walks the weight buffer from its base and drives the PE
// pipeline, whose valid/first/last/
// group bits live here, once for all PEs.  The pipeline stalls (en_o low)
// only when a row group finishes while the post unit holds two batches.
// LSTM runs a whole sequence: per step one RUN of the gate rows at the
// step's vector region (pbase), the post unit's element-wise unit turns the
// gates into h_t, which this block writes into every PE's vector banks (the
// next region's h columns, a broadcast write).  Meanwhile the VEC datapath
// writes the command's payload, the x of the next step, into the next
// region's x columns, giving way to h_t.  The next step starts when the
// last h_t is written and its x has arrived (that wait is counted as busy
// and stall).
//
// Performance counters (64-bit, cleared by reset):
//   busy    cycles spent in RUN, fill, drain and stalls included
//   useful  multiplications with a nonzero weight (useful MACs)
//   slots   PeCount * Banks per busy cycle (MAC slots)
//   stall   busy cycles in which the pipeline was frozen, and the cycles
//           between LSTM steps (the element-wise tail, StLwait)
`default_nettype none

module sg_ctrl #(
    parameter integer PeCount   = 16,  // P
    parameter integer Banks     = 8,   // B
    parameter integer DataW     = 8,   // activation bits
    parameter integer StreamW   = 64,  // s_axis beat bits
    parameter integer OffW      = 9,   // vbuf address bits
    parameter integer WaddrW    = 10,  // wbuf address bits
    parameter integer GrpW      = 8,   // row-buffer address bits
    parameter integer WordW     = 169, // CSB word bits
    parameter integer PipeDepth = 6,   // stage SA of the PE pipeline (3 + tree levels)
    parameter integer HdrBeats  = 1,   // beats of a header
    parameter integer WgtBeats  = 3,   // beats of a CSB word
    parameter integer RowBeats  = 2,   // beats of a row record
    parameter integer OutBeats  = 3,   // beats of an OUT record
    parameter integer MaxBeats  = 3,   // max of the four
    parameter integer PeW       = 4,   // bits of a PE index (>= 1)
    parameter integer CntW      = 5,   // bits of a count 0 .. PeCount
    parameter integer NzSumW    = 8,   // bits of the nonzero-lane sum over PEs
    parameter integer Lanes     = 1,   // post-unit lanes (write-back results per cycle)
    parameter integer LstmLanes = 1,   // LSTM h_t units per cycle
    parameter integer BankW     = (Banks > 1) ? $clog2(Banks) : 1, // bits of a bank index
    parameter integer LnW       = (LstmLanes > 1) ? $clog2(LstmLanes + 1) : 1 // 0 .. LstmLanes
) (
    input  wire                    clk_i,
    input  wire                    rst_i,
    // command stream
    input  wire [StreamW-1:0]      s_axis_tdata_i,
    input  wire                    s_axis_tvalid_i,
    output wire                    s_axis_tready_o,
    // vector-buffer write, broadcast to all PEs
    output reg  [PeCount*Banks-1:0] vbuf_we_o,    // PE p bank b at [p*Banks + b]
    output reg  [Banks*OffW-1:0]   vbuf_waddr_o,  // bank b at [b*OffW +: OffW] (every write)
    output reg  [Banks*DataW-1:0]  vbuf_wdata_o,  // bank b at [b*DataW +: DataW]
    output reg                     vbuf_sc_o,     // scatter: PE p writes sc_data
    output reg  [PeCount*DataW-1:0] vbuf_sc_data_o, // scatter element of PE p
    // weight-buffer write
    output reg  [PeCount-1:0]      wbuf_we_o,
    output wire                    conv_o,       // the RUN is a CONV run (vector generator)
    output wire                    max_o,        // CONV: accumulate by maximum (max-pool)
    output wire [OffW-1:0]         pbase_o,      // BASE: pixel base of VEC and CONV reads
    output wire [CntW-1:0]         npix_o,       // CONV: valid pixels (PEs) of the group
    output reg  [WaddrW-1:0]       wbuf_waddr_o,
    output reg  [WordW-1:0]        wbuf_wdata_o,
    // row-record write
    output reg  [PeCount-1:0]      row_we_o,
    output reg  [GrpW-1:0]         row_waddr_o,
    output reg  [69:0]             row_wdata_o,
    // PE pipeline
    output wire                    en_o,
    output wire                    wbuf_re_o,
    output wire [WaddrW-1:0]       wbuf_raddr_o,
    input  wire                    last_i,       // last bit of PE 0's word at S1
    input  wire [NzSumW-1:0]       nz_sum_i,     // nonzero lanes at S1, all PEs
    output wire                    pre_first_o,
    output wire [GrpW-1:0]         pre_grp_o,
    output wire                    acc_v_o,
    output wire                    acc_first_o,
    output wire                    acc_wb_o,
    output wire [GrpW-1:0]         acc_grp_o,
    // batch hand-over to the post unit
    output wire                    cap_o,
    output wire [CntW-1:0]         cap_nvalid_o,
    output wire                    cap_last_o,
    output wire [1:0]              cap_act_o,
    output wire [DataW-1:0]        cap_act_max_o,
    input  wire                    post_full_i,
    input  wire                    post_busy_i,
    input  wire                    wb_busy_i,    // the post unit still writes results back
    input  wire [PeCount-1:0]      wb_we_i,      // write-back this cycle: PE p takes lane p % Lanes
    input  wire [BankW-1:0]        wb_bank_i,
    input  wire [OffW-1:0]         wb_addr_i,
    input  wire [Lanes*DataW-1:0]  wb_lanes_i,
    // write-back target of the batch being captured (OUT)
    output wire                    cap_wb_o,
    output wire [BankW-1:0]        cap_wb_bank_o,
    output wire [OffW-1:0]         cap_wb_addr_o,
    output wire [PeCount-1:0]      cap_wb_mask_o,
    // LSTM: the batch holds gate rows; the step starts from c = 0; h_t writes
    output wire                    cap_lstm_o,
    output wire                    lstm_czero_o,
    input  wire                    lstm_busy_i,  // the post unit still works on the step
    input  wire                    h_we_i,
    input  wire [BankW-1:0]        h_bank_i,
    input  wire [OffW-1:0]         h_row_i,
    input  wire [LnW-1:0]          h_n_i,
    input  wire [LstmLanes*DataW-1:0] h_lanes_i,
    // status and counters
    output wire                    idle_o,       // no command in progress, post drained
    output reg                     err_o,        // an unknown opcode was seen (sticky)
    output reg  [63:0]             perf_busy_o,
    output reg  [63:0]             perf_useful_o,
    output reg  [63:0]             perf_slots_o,
    output reg  [63:0]             perf_stall_o,
    output wire                    count_o       // this cycle's S1 word counts (useful MACs)
);

  localparam [3:0] OpVec = 4'd1, OpWgt = 4'd2, OpRow = 4'd3, OpRun = 4'd4, OpBase = 4'd5,
                   OpConv = 4'd6, OpOut = 4'd7, OpClr = 4'd8, OpLstm = 4'd9;
  localparam [3:0] StHdr = 4'd0, StVec = 4'd1, StWgt = 4'd2, StRow = 4'd3, StRun = 4'd4,
                   StOut = 4'd5, StClr = 4'd6, StLrec = 4'd7, StLwait = 4'd8;
  localparam integer Elems    = StreamW / DataW;
  localparam integer ElemW    = (Elems > 1) ? $clog2(Elems) : 1;
  localparam integer BeatW    = (MaxBeats > 1) ? $clog2(MaxBeats) : 1;
  localparam integer Stages   = PipeDepth - 1;          // control stages S2 .. SA
  localparam [63:0]  SlotsPerCycle = PeCount * Banks;
  localparam integer LastPeI   = PeCount - 1;
  localparam integer ChunkW  = 8;                      // holds 0 .. Elems + Banks
  localparam [ChunkW-1:0] ElemsC = Elems[ChunkW-1:0];
  localparam [ChunkW-1:0] BanksC = Banks[ChunkW-1:0];
  localparam [ChunkW-1:0] PeC    = PeCount[ChunkW-1:0];
  localparam [PeW-1:0]   LastPe   = LastPeI[PeW-1:0];
  localparam integer LastBankI = Banks - 1;
  localparam [BankW-1:0] LastBank = LastBankI[BankW-1:0];
  localparam [CntW-1:0]  PeCnt    = PeCount[CntW-1:0];

  // The beat rotated by r elements: element j of the result is element
  // (j + r) mod Elems of v (Elems is a power of two).  The VEC and scatter
  // write paths pick their elements from it (below).
  function [StreamW-1:0] rot_elems(input [StreamW-1:0] v, input [ElemW-1:0] r);
    integer k;
    begin
      rot_elems = v;
      for (k = 0; k < ElemW; k = k + 1)
        if (r[k]) rot_elems = (rot_elems >> ((1 << k) * DataW)) | (rot_elems << (StreamW - (1 << k) * DataW));
    end
  endfunction

  reg [3:0] state_q;

  // ---- record assembly (header, CSB word, row record) --------------------
  reg  [MaxBeats*StreamW-1:0] asm_q;
  reg  [BeatW-1:0]            beat_q;
  reg  [MaxBeats*StreamW-1:0] asm_d;
  reg  [BeatW-1:0]            rec_last_beat;
  wire                        accept = s_axis_tvalid_i && s_axis_tready_o;
  wire                        in_rec = (state_q == StHdr) || (state_q == StWgt) || (state_q == StRow) ||
                                       (state_q == StOut) || (state_q == StLrec);
  wire                        rec_done = accept && in_rec && (beat_q == rec_last_beat);

  integer i;
  always @* begin
    asm_d = asm_q;
    for (i = 0; i < MaxBeats; i = i + 1) begin
      if (beat_q == i[BeatW-1:0]) asm_d[i*StreamW +: StreamW] = s_axis_tdata_i;
    end
    case (state_q)
      StWgt:   rec_last_beat = WgtBeats[BeatW-1:0] - 1'b1;
      StRow:   rec_last_beat = RowBeats[BeatW-1:0] - 1'b1;
      StOut, StLrec: rec_last_beat = OutBeats[BeatW-1:0] - 1'b1;
      default: rec_last_beat = HdrBeats[BeatW-1:0] - 1'b1;
    endcase
  end

  wire [63:0] hdr      = asm_d[63:0];
  wire [3:0]  hdr_op   = hdr[63:60];
  wire [19:0] hdr_cnt  = hdr[19:0];
  // act_max bits above DataW are ignored.
  wire        unused_hdr = ^hdr[55:40];

  // ---- loader counters ---------------------------------------------------
  reg [19:0]        left_q;     // elements, words or rows still to come
  reg [PeW-1:0]     pe_q;       // PE of the next word / row record
  reg [WaddrW-1:0]  waddr_q;    // wbuf address of the next word
  reg [GrpW-1:0]    raddr_q;    // row-buffer address of the next row record
  reg [StreamW-1:0] vbeat_q;    // beat of activations being written
  reg               vhave_q;    // vbeat_q holds unwritten elements
  reg [ElemW-1:0]   velem_q;    // next element of vbeat_q
  reg [BankW-1:0]   vbank_q;    // bank of the next element
  reg [OffW-1:0]    voff_q;     // offset of the next element

  // ---- run registers -----------------------------------------------------
  reg [WaddrW-1:0]  wbase_q;    // BASE: first weight-buffer address of WGT and RUN
  reg [GrpW-1:0]    rbase_q;    // BASE: first row-buffer address of ROW and RUN
  reg [OffW-1:0]    pbase_q;    // BASE: first vector-buffer address of VEC, pixel base of CONV
  reg               flag_q;     // header bit 57: VEC scatter, WGT/ROW broadcast
  reg               conv_q;     // the RUN is a CONV run
  reg               max_q;      // CONV with header bit 56: acc = max(acc, word sum)
  reg [CntW-1:0]    npix_q;     // CONV: valid pixels of the group (results per channel)
  reg [19:0]        cap_left_q; // CONV: channel batches still to hand over
  reg [PeW-1:0]     sq_q;       // scatter VEC: PE of the next element
  reg [BankW-1:0]   sb_q;       // scatter VEC: bank of the next element
  reg [OffW-1:0]    saddr_q;    // scatter VEC: address of the next element
  // OUT: write-back of the results (gen/sg_cmd.h, OUT record)
  reg               wb_en_q;
  reg [PeCount-1:0] wb_mask_q;
  reg [OffW-1:0]    wb_addr_q, wb_base_q, wb_wq_q;
  reg [15:0]        wb_upb_q, wb_left_q;  // units per bank; batches until the bank changes
  reg [BankW-1:0]   wb_bank_q;
  reg [OffW-1:0]    clr_addr_q;           // CLR: next address
  wire              wb_hold = wb_busy_i;  // VEC and CLR wait for pending write-backs
  // the VEC datapath moves: a VEC command, or the LSTM x loader (which yields
  // the vector banks' write port to h_t)
  wire              vec_go;
  // write-back enables per PE and bank, data per PE (lane p % Lanes)
  reg  [PeCount*Banks-1:0] wb_we;
  wire [PeCount*DataW-1:0] wb_data;
  integer wq;
  always @* begin
    wb_we = {(PeCount*Banks){1'b0}};
    for (wq = 0; wq < PeCount; wq = wq + 1)
      wb_we[wq*Banks + {{(32-BankW){1'b0}}, wb_bank_i}] = wb_we_i[wq];
  end
  genvar wl;
  generate
    for (wl = 0; wl < PeCount; wl = wl + 1) begin : gen_wb_data
      assign wb_data[wl*DataW +: DataW] = wb_lanes_i[(wl % Lanes)*DataW +: DataW];
    end
  endgenerate
  wire [191:0]      out_rec = asm_d[191:0];
  // LSTM (gen/sg_cmd.h, LSTM record): the sequence's state
  reg               lstm_q;     // an LSTM command is running
  reg               lfirst_q;   // the next step is the sequence's first (c = 0 when flagged)
  reg               czero_q;    // the running step starts from c = 0
  reg [19:0]        lsteps_q;   // steps still to start
  reg [19:0]        lgroups_q, lrows_q;
  reg [OffW:0]      lq_q, lend_q, lhoff_q; // region words, end of the regions, h offset
  reg [OffW:0]      lp_q;       // region of the next step
  reg [OffW-1:0]    hbase_q;    // where the running step's h_t goes
  reg [19:0]        lxn_q;      // x elements per step (the payload's)
  reg [19:0]        lxl_q;      // steps whose x is still to come in the payload
  reg               lx_act_q;   // the payload's x of the next step is being written
  reg               lx_rdy_q;   // the next step's x is in its region
  assign vec_go = ((state_q == StVec) && !wb_hold) || (lx_act_q && !h_we_i);
  wire [OffW:0]     lp_add  = lp_q + lq_q;
  wire [OffW:0]     lp_next = (lp_add == lend_q) ? {(OffW+1){1'b0}} : lp_add;
  wire [OffW:0]     hbase_next = lp_next + lhoff_q;
  wire              unused_lstm = ^{out_rec[191:108], hbase_next[OffW], lp_q[OffW]};
  // h_t write: bank b takes lane b % LstmLanes when h_bank <= b < h_bank + h_n
  reg  [Banks-1:0]       h_mask;
  wire [Banks*DataW-1:0] h_data;
  wire [31:0]            h_lo = {{(32-BankW){1'b0}}, h_bank_i};
  wire [31:0]            h_hi = h_lo + {{(32-LnW){1'b0}}, h_n_i};
  integer hb;
  always @* begin
    for (hb = 0; hb < Banks; hb = hb + 1)
      h_mask[hb] = (hb >= h_lo) && (hb < h_hi);
  end
  genvar hl;
  generate
    for (hl = 0; hl < Banks; hl = hl + 1) begin : gen_h_data
      assign h_data[hl*DataW +: DataW] = h_lanes_i[(hl % LstmLanes)*DataW +: DataW];
    end
  endgenerate
  reg [19:0]        run_groups_q;
  reg [19:0]        rows_rem_q;
  reg               final_q;
  reg [1:0]         act_q;
  reg [DataW-1:0]   act_max_q;
  reg               iss_v_q;    // S0: an address is being issued
  reg [WaddrW-1:0]  iss_addr_q;
  reg               s1_v_q;     // S1 holds a valid word
  reg               s1_first_q; // the word at S1 starts its group
  reg [19:0]        s1_grp_q;   // group of the word at S1
  reg [Stages-1:0]  cv_q, cf_q, cl_q;       // stage i+2: valid, first, last
  reg [Stages*GrpW-1:0] cg_q;              // stage i+2: group
  reg [NzSumW-1:0]  nz_q;       // nonzero lanes counted last cycle

  wire cap_more = conv_q ? (cap_left_q != 20'd0) : (rows_rem_q != 20'd0);
  wire stall = cv_q[Stages-1] && cl_q[Stages-1] && final_q && post_full_i && cap_more;
  // The PE datapath only moves during RUN (its buffers and registers hold
  // otherwise), which saves power in hardware and time in simulation.
  wire en    = (state_q == StRun) && !stall;
  wire kill  = s1_v_q && last_i && (s1_grp_q == run_groups_q - 20'd1);
  wire run_empty = !iss_v_q && !s1_v_q && (cv_q == {Stages{1'b0}});

  assign en_o         = en;
  assign wbuf_re_o    = en && iss_v_q;
  assign wbuf_raddr_o = iss_addr_q;
  assign pre_first_o  = cv_q[Stages-2] && cf_q[Stages-2];
  assign pre_grp_o    = cg_q[(Stages-2)*GrpW +: GrpW];
  assign acc_v_o      = cv_q[Stages-1];
  assign acc_first_o  = cf_q[Stages-1];
  assign acc_wb_o     = cl_q[Stages-1] && !final_q;
  assign acc_grp_o    = cg_q[(Stages-1)*GrpW +: GrpW];

  // Capture: a final group leaves stage SA.  A malformed RUN whose rows run
  // out early drops the extra groups instead of emitting garbage.
  // FC: rows g*P + p, the last group partly valid.  CONV: every channel's
  // batch holds npix valid pixels.
  assign cap_o         = en && cv_q[Stages-1] && cl_q[Stages-1] && final_q && cap_more;
  assign cap_nvalid_o  = conv_q ? npix_q :
                         (rows_rem_q > {{(20-CntW){1'b0}}, PeCnt}) ? PeCnt : rows_rem_q[CntW-1:0];
  assign cap_last_o    = conv_q ? (cap_left_q == 20'd1) : (rows_rem_q <= {{(20-CntW){1'b0}}, PeCnt});
  assign conv_o        = conv_q;
  assign max_o         = max_q;
  assign pbase_o       = pbase_q;
  assign npix_o        = npix_q;
  assign cap_act_o     = act_q;
  assign cap_wb_o      = wb_en_q && !lstm_q;
  assign cap_lstm_o    = lstm_q;
  assign lstm_czero_o  = czero_q;
  assign cap_wb_bank_o = wb_bank_q;
  assign cap_wb_addr_o = wb_addr_q;
  assign cap_wb_mask_o = wb_mask_q;
  assign cap_act_max_o = act_max_q;

  // ---- VEC: up to min(Banks, Elems) elements per cycle ------------------
  // Element i goes to bank i % Banks, offset i / Banks, so the m <= Banks
  // consecutive elements written in one cycle always land in distinct banks:
  // bank b takes element t_b = (b - i % Banks) mod Banks of the chunk, at
  // offset i / Banks, plus one when it wrapped past the last bank.
  wire [ChunkW-1:0] vib     = {{(ChunkW-BankW){1'b0}}, vbank_q};
  wire [ChunkW-1:0] vin_beat = ElemsC - {{(ChunkW-ElemW){1'b0}}, velem_q};
  // scatter: up to one element per PE; with one bank, not past the row of
  // PEs, so that all PEs write the same address (below)
  wire [ChunkW-1:0] siq     = {{(ChunkW-PeW){1'b0}}, sq_q};
  wire [ChunkW-1:0] vlimit  = !flag_q ? BanksC : (Banks == 1) ? PeC - siq : PeC;
  wire [ChunkW-1:0] vchunk1 = (vin_beat < vlimit) ? vin_beat : vlimit;
  wire [ChunkW-1:0] vchunk  = (left_q < {{(20-ChunkW){1'b0}}, vchunk1}) ? left_q[ChunkW-1:0] : vchunk1;
  wire              vbeat_done = (vchunk == vin_beat);                   // chunk ends the beat
  wire              vcmd_done  = ({{(20-ChunkW){1'b0}}, vchunk} == left_q); // chunk ends the command
  wire [ChunkW-1:0] vib_next = vib + vchunk;
  // Element t_b sits at (velem + t_b) mod E of the beat, so the beat is
  // rotated once by velem - vib elements and bank b takes element b (b >=
  // vib) or b + B (b < vib) of the rotated beat, modulo E: a barrel rotator
  // of the beat shared by all banks (log2 E stages) and a 2:1 multiplexer
  // per bank, instead of an E:1 multiplexer per bank.
  wire [ElemW-1:0]       vr = velem_q - vib[ElemW-1:0];
  wire [StreamW-1:0]     vrot = rot_elems(vbeat_q, vr);
  reg  [Banks-1:0]       vwe;
  reg  [Banks*OffW-1:0]  vwaddr;
  reg  [Banks*DataW-1:0] vwdata;
  reg  [ChunkW-1:0]      vt;
  integer vb;
  always @* begin
    for (vb = 0; vb < Banks; vb = vb + 1) begin
      vt = (vb[ChunkW-1:0] >= vib) ? vb[ChunkW-1:0] - vib : vb[ChunkW-1:0] + BanksC - vib;
      vwe[vb] = vhave_q && (vt < vchunk);
      vwaddr[vb*OffW +: OffW] = voff_q + {{(OffW-1){1'b0}}, (vb[ChunkW-1:0] < vib)};
      vwdata[vb*DataW +: DataW] = (vb[ChunkW-1:0] < vib) ? vrot[((vb + Banks) % Elems)*DataW +: DataW]
                                                         : vrot[(vb % Elems)*DataW +: DataW];
    end
  end

  // ---- scatter VEC (CONV line buffer): up to min(P, Elems) per cycle -----
  // Element i goes to PE i % P, bank (i / P) % B, address pbase + i /
  // (P * B).  Any P consecutive elements land on distinct PEs: PE q takes
  // element t_q = (q - i % P) mod P of the chunk, in row i / P of the PEs,
  // one row further on when q < i % P.  The write address is one per bank,
  // shared by all PEs: the PEs of one row write bank sb at saddr, those of
  // the next row bank sb + 1 at saddr, or bank 0 at saddr + 1 when sb is
  // the last bank; so only bank 0 ever takes saddr + 1 (one bank: the
  // chunk stays in one row, vlimit).
  wire [ChunkW-1:0]       siq_next = siq + vchunk;
  reg  [PeCount*Banks-1:0] swe;
  reg  [Banks*OffW-1:0]    swaddr;
  reg  [PeCount*DataW-1:0] swdata;
  reg  [ChunkW-1:0]        st;
  reg                      swrap;
  reg  [BankW-1:0]         sbank;
  // as for VEC: the beat rotated by velem - siq elements, PE q takes
  // element q (q >= siq) or q + P (q < siq) of it, modulo E
  wire [ElemW-1:0]         sr = velem_q - siq[ElemW-1:0];
  wire [StreamW-1:0]       srot = rot_elems(vbeat_q, sr);
  integer sq;
  always @* begin
    swe = {(PeCount*Banks){1'b0}};
    swaddr = {Banks{saddr_q}};
    if (Banks > 1 && sb_q == LastBank) swaddr[0 +: OffW] = saddr_q + 1'b1;
    for (sq = 0; sq < PeCount; sq = sq + 1) begin
      st    = (sq[ChunkW-1:0] >= siq) ? sq[ChunkW-1:0] - siq : sq[ChunkW-1:0] + PeC - siq;
      swrap = sq[ChunkW-1:0] < siq;
      sbank = (swrap && sb_q == LastBank) ? {BankW{1'b0}} : sb_q + {{(BankW-1){1'b0}}, swrap};
      swdata[sq*DataW +: DataW] = swrap ? srot[((sq + PeCount) % Elems)*DataW +: DataW]
                                        : srot[(sq % Elems)*DataW +: DataW];
      if (vhave_q && st < vchunk) swe[sq*Banks + {{(32-BankW){1'b0}}, sbank}] = 1'b1;
    end
  end

  assign s_axis_tready_o = in_rec || (vec_go && (!vhave_q || (vbeat_done && !vcmd_done)));
  assign idle_o = (state_q == StHdr) && (beat_q == {BeatW{1'b0}}) && !post_busy_i;

  // Start a RUN (or an LSTM step) of `groups` row groups, `rows` valid rows.
  task start_run(input [19:0] groups, input [19:0] rows);
    begin
      cap_left_q   <= groups;
      run_groups_q <= groups;
      rows_rem_q   <= rows;
      iss_v_q      <= 1'b1;
      iss_addr_q   <= wbase_q;
      s1_first_q   <= 1'b1;
      s1_grp_q     <= 20'd0;
    end
  endtask

  // ---- state machine -----------------------------------------------------
  always @(posedge clk_i) begin
    if (rst_i) begin
      state_q  <= StHdr;
      beat_q   <= {BeatW{1'b0}};
      asm_q    <= {(MaxBeats*StreamW){1'b0}};
      err_o    <= 1'b0;
      wbase_q  <= {WaddrW{1'b0}};
      pbase_q  <= {OffW{1'b0}};
      vbuf_sc_o <= 1'b0;
      wb_en_q  <= 1'b0;
      lstm_q   <= 1'b0;
      czero_q  <= 1'b0;
      lx_act_q <= 1'b0;
      conv_q   <= 1'b0;
      max_q    <= 1'b0;
      rbase_q  <= {GrpW{1'b0}};
      vhave_q  <= 1'b0;
      iss_v_q  <= 1'b0;
      s1_v_q   <= 1'b0;
      cv_q     <= {Stages{1'b0}};
      final_q  <= 1'b0;
      rows_rem_q <= 20'd0;
      vbuf_we_o <= {(PeCount*Banks){1'b0}};
      wbuf_we_o <= {PeCount{1'b0}};
      row_we_o  <= {PeCount{1'b0}};
    end else begin
      vbuf_we_o <= {(PeCount*Banks){1'b0}};
      wbuf_we_o <= {PeCount{1'b0}};
      row_we_o  <= {PeCount{1'b0}};

      // write-back of results through the scatter port (never at the same
      // time as VEC or CLR: those wait while wb_busy_i)
      if (wb_we_i != {PeCount{1'b0}}) begin
        vbuf_sc_o      <= 1'b1;
        vbuf_we_o      <= wb_we;
        vbuf_waddr_o   <= {Banks{wb_addr_i}};
        vbuf_sc_data_o <= wb_data;
      end
      // h_t of an LSTM step into every PE (the broadcast port; nothing else
      // writes the vector banks during LSTM)
      if (h_we_i) begin
        vbuf_sc_o    <= 1'b0;
        vbuf_we_o    <= {PeCount{h_mask}};
        vbuf_waddr_o <= {Banks{hbase_q + h_row_i}};
        vbuf_wdata_o <= h_data;
      end

      // VEC (state StVec), and the LSTM x loader: during an LSTM command the
      // payload's x of the next step goes to the next region the same way
      if (vec_go) begin
        vbuf_sc_o <= flag_q;
        if (vhave_q && flag_q) begin
          vbuf_we_o      <= swe;
          vbuf_waddr_o   <= swaddr;
          vbuf_sc_data_o <= swdata;
          if (siq_next >= PeC) begin // the chunk reached the next row of PEs
            sq_q <= siq_next[PeW-1:0] - PeC[PeW-1:0];
            if (sb_q == LastBank) begin
              sb_q    <= {BankW{1'b0}};
              saddr_q <= saddr_q + 1'b1;
            end else begin
              sb_q <= sb_q + 1'b1;
            end
          end else begin
            sq_q <= siq_next[PeW-1:0];
          end
        end else if (vhave_q) begin
          vbuf_we_o    <= {PeCount{vwe}};
          vbuf_waddr_o <= vwaddr;
          vbuf_wdata_o <= vwdata;
        end
        if (vhave_q) begin
          velem_q <= velem_q + vchunk[ElemW-1:0];
          left_q  <= left_q - {{(20-ChunkW){1'b0}}, vchunk};
          if (vib_next >= BanksC) begin
            vbank_q <= vib_next[BankW-1:0] - BanksC[BankW-1:0];
            voff_q  <= voff_q + 1'b1;
          end else begin
            vbank_q <= vib_next[BankW-1:0];
          end
          if (vbeat_done || vcmd_done) vhave_q <= 1'b0;
          if (vcmd_done) begin
            if (lx_act_q) begin
              lx_act_q <= 1'b0;
              lx_rdy_q <= 1'b1;
            end else begin
              state_q <= StHdr;
            end
          end
        end
        if (accept) begin // the next beat, possibly in the cycle the last one ends
          vbeat_q <= s_axis_tdata_i;
          vhave_q <= 1'b1;
          velem_q <= {ElemW{1'b0}};
        end
      end

      // record assembly
      if (accept && in_rec) begin
        if (rec_done) begin
          beat_q <= {BeatW{1'b0}};
          asm_q  <= {(MaxBeats*StreamW){1'b0}};
        end else begin
          beat_q <= beat_q + 1'b1;
          asm_q  <= asm_d;
        end
      end

      case (state_q)
        StHdr: if (rec_done) begin
          left_q  <= hdr_cnt;
          pe_q    <= {PeW{1'b0}};
          waddr_q <= wbase_q;
          raddr_q <= rbase_q;
          vbank_q <= {BankW{1'b0}};
          voff_q  <= pbase_q;
          flag_q  <= hdr[57];
          sq_q    <= {PeW{1'b0}};
          sb_q    <= {BankW{1'b0}};
          saddr_q <= pbase_q;
          case (hdr_op)
            OpVec: if (hdr_cnt != 20'd0) state_q <= StVec;
            OpWgt: if (hdr_cnt != 20'd0) state_q <= StWgt;
            OpRow: if (hdr_cnt != 20'd0) state_q <= StRow;
            OpRun, OpConv: if (hdr_cnt != 20'd0) begin
              state_q      <= StRun;
              conv_q       <= (hdr_op == OpConv);
              max_q        <= (hdr_op == OpConv) && hdr[56];
              npix_q       <= hdr[20 +: CntW];
              final_q      <= hdr[57];
              act_q        <= hdr[59:58];
              act_max_q    <= hdr[40 +: DataW];
              start_run(hdr_cnt, hdr[39:20]);
            end
            OpLstm: if (hdr_cnt != 20'd0) begin
              state_q  <= StLrec;
              lsteps_q <= hdr_cnt;
              lfirst_q <= hdr[57];
            end
            OpBase: begin
              wbase_q <= hdr_cnt[WaddrW-1:0];
              rbase_q <= hdr[20 +: GrpW];
              pbase_q <= hdr[40 +: OffW];
            end
            OpOut: if (hdr_cnt != 20'd0) state_q <= StOut; else wb_en_q <= 1'b0;
            OpClr: if (hdr_cnt != 20'd0) begin
              state_q    <= StClr;
              clr_addr_q <= pbase_q;
            end
            default: err_o <= 1'b1;
          endcase
        end

        StVec: ; // the VEC block above does the work

        StLrec: if (rec_done) begin
          lgroups_q <= out_rec[19:0];
          lrows_q   <= out_rec[39:20];
          lq_q      <= out_rec[40 +: OffW+1];
          lend_q    <= out_rec[56 +: OffW+1];
          lhoff_q   <= out_rec[72 +: OffW+1];
          lxn_q     <= out_rec[88 +: 20];
          lxl_q     <= lsteps_q - 20'd1;  // x_0 came by VEC
          lx_rdy_q  <= 1'b1;
          lp_q      <= {1'b0, pbase_q};
          lstm_q    <= 1'b1;
          conv_q    <= 1'b0;
          max_q     <= 1'b0;
          final_q   <= 1'b1;
          act_q     <= 2'd0;
          state_q   <= StLwait;
        end

        // between LSTM steps: wait until the step's last h_t is written,
        // then run the next step at the next region
        StLwait: if (!lstm_busy_i && (lsteps_q == 20'd0 || lx_rdy_q)) begin
          if (lsteps_q == 20'd0) begin
            lstm_q  <= 1'b0;
            czero_q <= 1'b0;
            state_q <= StHdr;
          end else begin
            pbase_q  <= lp_q[OffW-1:0];
            lp_q     <= lp_next;
            hbase_q  <= hbase_next[OffW-1:0];
            czero_q  <= lfirst_q;
            lfirst_q <= 1'b0;
            lsteps_q <= lsteps_q - 20'd1;
            state_q  <= StRun;
            start_run(lgroups_q, lrows_q);
            // meanwhile the payload brings the x of the step after
            if (lxl_q != 20'd0) begin
              lxl_q    <= lxl_q - 20'd1;
              lx_act_q <= 1'b1;
              lx_rdy_q <= 1'b0;
              left_q   <= lxn_q;
              flag_q   <= 1'b0;
              vhave_q  <= 1'b0;
              vbank_q  <= {BankW{1'b0}};
              voff_q   <= lp_next[OffW-1:0];
            end
          end
        end

        StOut: if (rec_done) begin
          wb_en_q   <= 1'b1;
          wb_mask_q <= out_rec[PeCount-1:0];
          wb_addr_q <= out_rec[64 +: OffW];
          wb_base_q <= out_rec[80 +: OffW];
          wb_wq_q   <= out_rec[96 +: OffW];
          wb_upb_q  <= out_rec[112 +: 16];
          wb_left_q <= out_rec[128 +: 16];
          wb_bank_q <= out_rec[144 +: BankW];
          state_q   <= StHdr;
        end

        StClr: if (!wb_hold) begin
          vbuf_sc_o    <= 1'b0;
          vbuf_we_o    <= {(PeCount*Banks){1'b1}};
          vbuf_waddr_o <= {Banks{clr_addr_q}};
          vbuf_wdata_o <= {(Banks*DataW){1'b0}};
          clr_addr_q   <= clr_addr_q + 1'b1;
          left_q       <= left_q - 20'd1;
          if (left_q == 20'd1) state_q <= StHdr;
        end

        StWgt: if (rec_done) begin
          if (flag_q) wbuf_we_o <= {PeCount{1'b1}}; // broadcast: one word for every PE
          else wbuf_we_o[pe_q] <= 1'b1;
          wbuf_waddr_o <= waddr_q;
          wbuf_wdata_o <= asm_d[WordW-1:0];
          if (pe_q == LastPe || flag_q) begin
            pe_q    <= {PeW{1'b0}};
            waddr_q <= waddr_q + 1'b1;
            left_q  <= left_q - 20'd1;
            if (left_q == 20'd1) state_q <= StHdr;
          end else begin
            pe_q <= pe_q + 1'b1;
          end
        end

        StRow: if (rec_done) begin
          if (flag_q) row_we_o <= {PeCount{1'b1}}; // broadcast: one record for every PE
          else row_we_o[pe_q] <= 1'b1;
          row_waddr_o <= raddr_q;
          row_wdata_o <= asm_d[69:0];
          if (pe_q == LastPe || flag_q) begin
            pe_q    <= {PeW{1'b0}};
            raddr_q <= raddr_q + 1'b1;
            left_q  <= left_q - 20'd1;
            if (left_q == 20'd1) state_q <= StHdr;
          end else begin
            pe_q <= pe_q + 1'b1;
          end
        end

        StRun: begin
          if (en) begin
            // S0 -> S1: the word after the group that ends the run is dropped
            s1_v_q <= iss_v_q && !kill;
            if (iss_v_q) begin
              iss_addr_q <= iss_addr_q + 1'b1;
              if (kill) iss_v_q <= 1'b0;
            end
            if (s1_v_q) begin
              s1_first_q <= last_i;
              if (last_i) s1_grp_q <= s1_grp_q + 20'd1;
            end
            // S1 -> S2 .. SA
            cv_q <= {cv_q[Stages-2:0], s1_v_q};
            cf_q <= {cf_q[Stages-2:0], s1_first_q};
            cl_q <= {cl_q[Stages-2:0], last_i};
            cg_q <= {cg_q[(Stages-1)*GrpW-1:0], s1_grp_q[GrpW-1:0] + rbase_q};
            if (cap_o) begin
              rows_rem_q <= rows_rem_q - {{(20-CntW){1'b0}}, cap_nvalid_o};
              cap_left_q <= cap_left_q - 20'd1;
              // the next batch's write-back target: next unit, or next bank
              if (wb_left_q == 16'd1) begin
                wb_left_q <= wb_upb_q;
                wb_bank_q <= wb_bank_q + 1'b1;
                wb_addr_q <= wb_base_q;
              end else begin
                wb_left_q <= wb_left_q - 16'd1;
                wb_addr_q <= wb_addr_q + wb_wq_q;
              end
            end
          end
          if (run_empty) state_q <= lstm_q ? StLwait : StHdr;
        end

        default: state_q <= StHdr;
      endcase
    end
  end

  // ---- performance counters ---------------------------------------------
  assign count_o = state_q == StRun && en && s1_v_q;
  always @(posedge clk_i) begin
    if (rst_i) begin
      nz_q          <= {NzSumW{1'b0}};
      perf_busy_o   <= 64'd0;
      perf_useful_o <= 64'd0;
      perf_slots_o  <= 64'd0;
      perf_stall_o  <= 64'd0;
    end else begin
      nz_q <= count_o ? nz_sum_i : {NzSumW{1'b0}};
      perf_useful_o <= perf_useful_o + {{(64-NzSumW){1'b0}}, nz_q};
      if (state_q == StRun || state_q == StLwait) begin
        perf_busy_o  <= perf_busy_o + 64'd1;
        perf_slots_o <= perf_slots_o + SlotsPerCycle;
        if (stall || state_q == StLwait) perf_stall_o <= perf_stall_o + 64'd1;
      end
    end
  end

`ifdef SG_ASSERTIONS
  reg wb_wr_q;  // the vbuf write registered last cycle is a write-back
  always @(posedge clk_i) begin
    if (rst_i) wb_wr_q <= 1'b0;
    else wb_wr_q <= (wb_we_i != {PeCount{1'b0}}) || h_we_i;
  end
  // Buffers are written by the loader only outside RUN, so a RUN never
  // reads a word that is being replaced; a RUN never runs past its groups.
  always @(posedge clk_i) begin
    if (!rst_i && state_q == StRun && (|wbuf_we_o || |row_we_o || (|vbuf_we_o && !wb_wr_q && !lstm_q)))
      $error("sg_ctrl: loader write during RUN (instance %m)");
    if (!rst_i && state_q == StRun && s1_v_q && s1_grp_q >= run_groups_q)
      $error("sg_ctrl: word of group %0d past the run's %0d groups (instance %m)", s1_grp_q, run_groups_q);
  end
`endif

  // The OUT record's unused bits (mask above PeCount, fields above OffW).
  wire unused_out = ^{out_rec[191:150], out_rec[63:0] >> PeCount, out_rec[79:64] >> OffW,
                      out_rec[95:80] >> OffW, out_rec[111:96] >> OffW, out_rec[149:144] >> BankW};

  initial begin
    if (PeCount > 64) $error("sg_ctrl: PeCount %0d above the OUT mask's 64 bits (instance %m)", PeCount);
    if (OffW > 16 || BankW > 6) $error("sg_ctrl: OffW %0d / BankW %0d wider than the OUT fields (instance %m)", OffW, BankW);
    if (Stages < 2) $error("sg_ctrl: PipeDepth %0d must be >= 3 (instance %m)", PipeDepth);
    if (StreamW < 32 || StreamW % DataW != 0) $error("sg_ctrl: bad StreamW %0d (instance %m)", StreamW);
    if (GrpW > 20) $error("sg_ctrl: GrpW %0d above 20 (instance %m)", GrpW);
  end

endmodule

`default_nettype wire
