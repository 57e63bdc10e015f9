// sg_lstm_ew: the LSTM element-wise unit -- gates, cell and h of Lanes hidden
// units per cycle, bit for bit as golden/sg_lstm.c (sg_lstm_cell) defines:
//   S0  inputs registered: gate pre-activations zi, zf, zg, zo (Q3.12), c (Q16.15)
//   S1  table points of the four gates (sg_lstm_rom.v: {t[k+1], t[k]} at k)
//   S2  interpolated gates, Q0.15: i, f, o = sigmoid, g = tanh
//   S3  c_t = sat32(rnd15(f c) + rnd15(i g)), rnd15(p) = (p + 2^14) >>> 15
//   S4  tanh points at sat16(c_t >>> 3)
//   S5  h_t = sat_DataW((o tanh(c_t) + 2^(Sh-1)) >>> Sh), Sh = 30 - (DataW - 1)
// Every stage advances when en_i is high (the post unit's output stream
// back-pressures the whole chain); a result leaves Latency = 6 advancing
// cycles after its inputs were presented with valid_i.
`default_nettype none

module sg_lstm_ew #(
    parameter integer DataW     = 8,  // bits of h
    parameter integer TableBits = 8,  // T: tables of 2^T + 1 points
    parameter integer Lanes     = 1   // hidden units per cycle
) (
    input  wire                  clk_i,
    input  wire                  rst_i,
    input  wire                  en_i,    // advance every stage
    input  wire                  valid_i,
    input  wire [Lanes*64-1:0]   z_i,     // lane l: {zo, zg, zf, zi} at [l*64 +: 64], 16 bits each
    input  wire [Lanes*32-1:0]   c_i,     // lane l: c_(t-1) at [l*32 +: 32]
    output wire                  valid_o,
    output wire [Lanes*DataW-1:0] h_o,    // lane l: h_t
    output wire [Lanes*32-1:0]   c_o      // lane l: c_t
);

  localparam integer FracW = 16 - TableBits;          // fraction bits of a table index
  localparam integer Sh    = 30 - (DataW - 1);        // Q0.30 product to Q0.(DataW-1)
  localparam integer Latency = 6;

  // A table read: point pair {t[k+1], t[k]} and the index's fraction give
  // t[k] + ((t[k+1] - t[k]) * frac) >>> FracW.  It lies between the two
  // points, so its low 17 bits hold it (callers drop the rest).
  function automatic signed [17+FracW:0] interp(input [31:0] pair, input [FracW-1:0] frac);
    reg signed [16:0] t0, t1, d;
    begin
      t0 = {pair[15], pair[15:0]};
      t1 = {pair[31], pair[31:16]};
      d  = t1 - t0;
      interp = {{(FracW+1){t0[16]}}, t0} + ((d * $signed({1'b0, frac})) >>> FracW);
    end
  endfunction

  reg [Latency-1:0] v_q;
  always @(posedge clk_i) begin
    if (rst_i) v_q <= {Latency{1'b0}};
    else if (en_i) v_q <= {v_q[Latency-2:0], valid_i};
  end
  assign valid_o = v_q[Latency-1];

  genvar l;
  generate
    for (l = 0; l < Lanes; l = l + 1) begin : gen_lane
      // ---- S0: inputs --------------------------------------------------------
      reg [63:0] z0_q;
      reg [31:0] c0_q;
      always @(posedge clk_i) if (en_i) begin
        z0_q <= z_i[l*64 +: 64];
        c0_q <= c_i[l*32 +: 32];
      end

      // ---- S1: table points of the four gates ----------------------------------
      // u = z + 2^15 is the offset from -8: its top T bits pick the point
      reg  [31:0] c1_q, c2_q;
      wire signed [16:0] g2 [0:3];   // Q0.15 gates at S2 (registered inside)
      genvar gi;
      for (gi = 0; gi < 4; gi = gi + 1) begin : gen_gate
        wire [15:0] u0 = z0_q[gi*16 +: 16] ^ 16'h8000;
        wire [31:0] pair;
        if (gi == 2) begin : gen_tanh
          sg_lstm_tanh_rom u_rom (.k_i(u0[15 -: TableBits]), .pair_o(pair));
        end else begin : gen_sig
          sg_lstm_sigmoid_rom u_rom (.k_i(u0[15 -: TableBits]), .pair_o(pair));
        end
        reg [31:0]       p1_q;
        reg [FracW-1:0]  fr1_q;
        always @(posedge clk_i) if (en_i) begin
          p1_q  <= pair;
          fr1_q <= u0[FracW-1:0];
        end
        // ---- S2: the interpolated gate ---------------------------------------
        wire signed [17+FracW:0] gy = interp(p1_q, fr1_q);
        wire unused_gy = ^gy[17+FracW:17];
        reg signed [16:0] g_q;
        always @(posedge clk_i) if (en_i) g_q <= gy[16:0];
        assign g2[gi] = g_q;
      end
      always @(posedge clk_i) if (en_i) begin
        c1_q <= c0_q;
        c2_q <= c1_q;
      end

      // ---- S3: c_t = sat32(rnd15(f c) + rnd15(i g)) ---------------------------
      wire signed [48:0] fc   = g2[1] * $signed(c2_q);
      wire signed [33:0] ig   = g2[0] * g2[2];
      wire signed [48:0] fc_r = (fc + 49'sd16384) >>> 15;
      wire signed [33:0] ig_r = (ig + 34'sd16384) >>> 15;
      wire signed [49:0] csum = {fc_r[48], fc_r} + {{16{ig_r[33]}}, ig_r};
      reg  [31:0] c3_q;
      reg signed [16:0] o3_q;
      always @(posedge clk_i) if (en_i) begin
        if (csum > 50'sd2147483647) c3_q <= 32'h7fffffff;
        else if (csum < -50'sd2147483648) c3_q <= 32'h80000000;
        else c3_q <= csum[31:0];
        o3_q <= g2[3];
      end

      // ---- S4: tanh points at sat16(c >>> 3) -------------------------------------
      wire signed [31:0] c3s = c3_q;
      wire signed [31:0] cq  = c3s >>> 3;
      wire [15:0] zc = (cq > 32'sd32767) ? 16'h7fff : (cq < -32'sd32768) ? 16'h8000 : cq[15:0];
      wire [15:0] uc = zc ^ 16'h8000;
      wire [31:0] pc;
      sg_lstm_tanh_rom u_tanh_c (.k_i(uc[15 -: TableBits]), .pair_o(pc));
      reg [31:0] pc4_q, c4_q;
      reg [FracW-1:0] frc4_q;
      reg signed [16:0] o4_q;
      always @(posedge clk_i) if (en_i) begin
        pc4_q  <= pc;
        frc4_q <= uc[FracW-1:0];
        c4_q   <= c3_q;
        o4_q   <= o3_q;
      end

      // ---- S5: h_t = sat((o tanh(c) + 2^(Sh-1)) >>> Sh) -------------------------
      wire signed [17+FracW:0] tcy = interp(pc4_q, frc4_q);
      wire unused_tcy = ^tcy[17+FracW:17];
      wire signed [16:0] tc = tcy[16:0];
      wire signed [33:0] oh = o4_q * tc;
      wire signed [33:0] hs = (oh + (34'sd1 <<< (Sh - 1))) >>> Sh;
      localparam signed [33:0] HMax = (34'sd1 <<< (DataW - 1)) - 34'sd1;
      localparam signed [33:0] HMin = -(34'sd1 <<< (DataW - 1));
      reg [DataW-1:0] h5_q;
      reg [31:0] c5_q;
      always @(posedge clk_i) if (en_i) begin
        if (hs > HMax) h5_q <= HMax[DataW-1:0];
        else if (hs < HMin) h5_q <= HMin[DataW-1:0];
        else h5_q <= hs[DataW-1:0];
        c5_q <= c4_q;
      end
      assign h_o[l*DataW +: DataW] = h5_q;
      assign c_o[l*32 +: 32] = c5_q;
    end
  endgenerate

  initial begin
    if (TableBits < 4 || TableBits > 12) $error("sg_lstm_ew: TableBits %0d not in 4..12 (instance %m)", TableBits);
  end

endmodule

`default_nettype wire
