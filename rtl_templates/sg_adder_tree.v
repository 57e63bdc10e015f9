// sg_adder_tree: registered binary adder tree over the B lane products of a PE.
//
// Level 0 is the inputs; level l (1 .. Levels) holds ceil(Inputs / 2^l)
// registered sums, each one bit wider than the level below, so the sum is
// exact.  Each level is its own wire in a named generate block: an explicit
// registered tree maps to fast carry chains (TOOLNOTES: a `for`-loop sum
// stayed a generic multi-operand adder) and avoids Verilator's UNOPTFLAT.
// Latency is Levels cycles; all registers advance only when en_i is high.
`default_nettype none

module sg_adder_tree #(
    parameter integer Inputs = 8, // operands
    parameter integer InW    = 16, // bits per operand (signed)
    parameter integer Levels = 3, // clog2(Inputs)
    parameter integer OutW   = InW + Levels // sum bits
) (
    input  wire                  clk_i,
    input  wire                  en_i,   // advance the pipeline
    input  wire [Inputs*InW-1:0] data_i, // operand k at [k*InW +: InW]
    output wire [OutW-1:0]       sum_o   // signed sum, Levels cycles later
);

  genvar l, n;
  generate
    for (l = 0; l <= Levels; l = l + 1) begin : gen_lvl
      localparam integer Nodes = (Inputs + (1 << l) - 1) >> l;
      localparam integer W = InW + l;
      wire [Nodes*W-1:0] node;
      if (l == 0) begin : gen_leaf
        assign node = data_i;
      end else begin : gen_sum
        localparam integer PrevNodes = (Inputs + (1 << (l - 1)) - 1) >> (l - 1);
        reg [Nodes*W-1:0] sum_q;
        for (n = 0; n < Nodes; n = n + 1) begin : gen_node
          wire [W-2:0] a = gen_lvl[l-1].node[(2*n)*(W-1) +: (W-1)];
          if (2 * n + 1 < PrevNodes) begin : gen_pair
            wire [W-2:0] b = gen_lvl[l-1].node[(2*n+1)*(W-1) +: (W-1)];
            always @(posedge clk_i) begin
              if (en_i) sum_q[n*W +: W] <= {a[W-2], a} + {b[W-2], b};
            end
          end else begin : gen_single
            always @(posedge clk_i) begin
              if (en_i) sum_q[n*W +: W] <= {a[W-2], a};
            end
          end
        end
        assign node = sum_q;
      end
    end
  endgenerate

  assign sum_o = gen_lvl[Levels].node;

  generate
    if (Levels == 0) begin : gen_wire_only
      // A single operand needs no register: the clock is not used.
      wire unused_clk_en = clk_i ^ en_i;
    end
  endgenerate

  initial begin
    if ((1 << Levels) < Inputs) $error("sg_adder_tree: Levels %0d too few for %0d inputs (instance %m)", Levels, Inputs);
    if (OutW != InW + Levels) $error("sg_adder_tree: OutW must be InW + Levels (instance %m)");
  end

endmodule

`default_nettype wire
