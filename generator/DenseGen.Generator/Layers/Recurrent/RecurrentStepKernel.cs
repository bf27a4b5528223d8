using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Recurrent;

/// <summary>
/// One layer's time step for one stream in one method, in vectors: each gate's rows (the weights' row dot products, a
/// vector of rows reduced at a time by one shuffle tree; both biases and the input's part), then, a vector of hidden
/// units at a time, the gates' sigmoid and tanh and the new state (in two loops where Hidden is more than one vector, so
/// that independent blocks' activations overlap). At small sizes most of the step's time went to the calls and passes
/// between those parts (two dense kernels, four span activations, scalar loops); here there are none.
/// </summary>
/// <remarks>
/// <para>
/// The full output's float layers that are not deterministic use it, at the widest accelerated width whose lanes divide
/// <c>Hidden</c> (so a vector never straddles two gates; 512 bits only from Hidden 64, see <see cref="Widths"/>), when
/// the runtime's vector activations are the ones
/// <c>Activations.Sigmoid</c> and <c>Tanh</c> would use (not in deterministic mode); otherwise the step falls back to the
/// gates' dense kernels and span activations (<see cref="RecurrentEmitter"/>). The sums are PyTorch's up to rounding:
/// the two biases are added first, then the input's part, then the hidden state's (the error bound covers any order).
/// </para>
/// <para>
/// The gates' sums go through scratch, gate by gate in the order the weights lie, before any state is computed: measured
/// on Zen 4, that beats computing each block of hidden units from its four gates' rows at once by 10–30% (rows from four
/// places at a time, and a longer chain of dependent work per block), and it lets the new state be written in place.
/// The activated gates and what Backward needs besides (LSTM <c>tanh c'</c>, GRU <c>W_hn h + b_hn</c>) go where the span
/// path leaves them, when <c>keep</c>, so what a trainable Forward keeps is the same either way.
/// </para>
/// <para>
/// Weights larger than L1 are walked gate by gate, each call in the other order from the call before (the layer keeps the
/// direction in its scratch): they are then read from L2 only in part, the gate the last call read last still being in L1
/// when this call starts with it. (In a stack of layers the layer above was read last, so there the walk saves little.)
/// A row's sum is the same whichever order the gates take, so the bits do not depend on it.
/// </para>
/// </remarks>
internal static class RecurrentStepKernel
{
    private const string VM = KernelWriter.VectorMath;
    private const string U = KernelWriter.Unsafe;
    private const string V128 = "global::System.Runtime.Intrinsics.Vector128";
    private const string V256 = "global::System.Runtime.Intrinsics.Vector256";

    // Rows of the hidden state's weights longer than this many vectors are summed in a loop rather than written out.
    private const int UnrolledRowVectors = 8;

    /// <summary>
    /// Whether the layer's step has the fused kernel: float, full output, not deterministic, Hidden a multiple of 4, and
    /// each layer's weights at most <see cref="MaxWeightBytes"/>.
    /// </summary>
    public static bool Applies(RecurrentSpec spec, bool portable) =>
        RecurrentKernels.Applies(spec, portable) && spec.Element == ElementKind.Float32 && Widths(spec).Length > 0
        && Inputs(spec).All(inputs => 4L * spec.GateRows * (inputs + spec.Hidden) <= MaxWeightBytes);

    // The largest layers measured (docs/performance.md): up to 128 KiB of weights this kernel, walking them both ways, is
    // the faster (walking one way, it was the slower above 96 KiB). Larger layers keep the dense kernels until measured.
    private const long MaxWeightBytes = 128 * 1024;

    /// <summary>
    /// The widths, widest first, whose lanes divide Hidden; 512 bits only from Hidden <see cref="MinHiddenAt512Bits"/>.
    /// </summary>
    /// <remarks>
    /// Below it a row is one to three 512-bit vectors, and the step is bound by its rows' reductions rather than by reading
    /// the weights: Zen 4 runs 512-bit shuffles at half the rate of 256-bit ones, so the 256-bit kernel was the faster there
    /// (measured at Hidden 16: LSTM 94 → 84 ns, GRU 75 → 65 ns a step; docs/performance.md; 32 and 48 take the same
    /// kernels unmeasured), while at Hidden 64 and 80, bound by reading the weights from L2, 512 bits were 6–12% faster.
    /// </remarks>
    public static VectorWidth[] Widths(RecurrentSpec spec) =>
        VectorWidthsFor(spec.Element)
            .Where(width => spec.Hidden % width.Lanes == 0 && (width.Bits < 512 || spec.Hidden >= MinHiddenAt512Bits))
            .ToArray();

    private const int MinHiddenAt512Bits = 64;

    /// <summary>
    /// Whether the state is stored in 256-bit vectors where the processor may read it in 512-bit ones: Hidden would fill
    /// whole 512-bit vectors, but <see cref="Widths"/> leaves that width out.
    /// </summary>
    public static bool StoresHalves512(RecurrentSpec spec) =>
        VectorWidthsFor(spec.Element).Any(width => width.Bits == 512 && spec.Hidden % width.Lanes == 0)
        && Widths(spec).All(width => width.Bits < 512);

    private static IEnumerable<VectorWidth> VectorWidthsFor(ElementKind element)
    {
        // VectorWidth's widths that fit a row of 16 floats: 512, 256 and 128 bits.
        var spec = new DenseSpec(null, EquatableArray<ContainingType>.Empty, "W", false, element, In: 16, Out: 1, FullUnroll: false, Trainable: false, HasBackward: false);
        return VectorWidth.For(spec);
    }

    /// <summary>Whether the kernel keeps the whole hidden state in registers: rows of at most <see cref="UnrolledRowVectors"/> vectors.</summary>
    private static bool StateInRegisters(RecurrentSpec spec, VectorWidth width) => spec.Hidden / width.Lanes <= UnrolledRowVectors;

    public static string Name(int inputs, VectorWidth width) => "__DenseLayerStep" + Number(inputs) + width.Name;

    /// <summary>The input counts the layers have: In for the first, Hidden for those above it.</summary>
    public static IEnumerable<int> Inputs(RecurrentSpec spec) =>
        Enumerable.Range(0, spec.Layers).Select(spec.InputsOf).Distinct();

    /// <summary>The call of one layer's kernel through the widest accelerated width; else <paramref name="fallback"/> (the span path) writes the step.</summary>
    public static void WriteCall(IndentedWriter w, RecurrentSpec spec, int inputs, string arguments, System.Action fallback)
    {
        VectorWidth[] widths = Widths(spec);
        for (int i = 0; i < widths.Length; i++)
        {
            w.Line($"{(i == 0 ? "if" : "else if")} ({VM}.VectorActivationsAllowed && {widths[i].Static}.IsHardwareAccelerated)");
            w.Line($"    {Name(inputs, widths[i])}({arguments});");
        }
        w.Open("else");
        fallback();
        w.Close();
    }

    public static void WriteMethods(IndentedWriter w, RecurrentSpec spec, string? methodAttributes)
    {
        foreach (int inputs in Inputs(spec))
        {
            foreach (VectorWidth width in Widths(spec))
                WriteMethod(w, spec, inputs, width, methodAttributes);
        }
    }

    private static void WriteMethod(IndentedWriter w, RecurrentSpec spec, int inputs, VectorWidth width, string? methodAttributes)
    {
        int h = spec.Hidden, lanes = width.Lanes;
        bool walksBothWays = WalksBothWays(spec, inputs);
        w.Line();
        GeneratedFile.Method(w, methodAttributes);
        w.Open($"private static void {Name(inputs, width)}(ref float x, ref float h, {(spec.HasCell ? "ref float c, " : "")}ref float inputWeights, ref float recurrentWeights, "
            + $"ref float inputBias, ref float recurrentBias, ref float gates, ref float extra, bool keep{(walksBothWays ? ", bool reverse" : "")})");
        var input = new InputPart(inputs, lanes);
        bool stateInRegisters = StateInRegisters(spec, width);
        // Each gate's rows, their sums kept in gates (the GRU's W_hn h + b_hn in extra), or in registers where Hidden is one
        // vector and the weights fit L1; then the state, in place (every read of the old state is over). Weights larger
        // than L1 are walked gate by gate, one method each, in order or (reverse) from the last gate back.
        if (walksBothWays)
        {
            const string arguments = "ref x, ref h, ref inputWeights, ref recurrentWeights, ref inputBias, ref recurrentBias, ref gates, ref extra";
            w.Open("if (!reverse)");
            for (int gate = 0; gate < spec.Gates; gate++)
                w.Line($"{GateName(inputs, gate, width, reverse: false)}({arguments});");
            w.Close();
            w.Open("else");
            for (int gate = spec.Gates - 1; gate >= 0; gate--)
                w.Line($"{GateName(inputs, gate, width, reverse: true)}({arguments});");
            w.Close();
        }
        else if (h == lanes)
        {
            // One block: the sums stay in registers for the state (a store and a load fewer on the step's critical path).
            WriteOperands(w, spec, width, input, stateInRegisters);
            w.Line("nuint j = 0;");
            for (int gate = 0; gate < spec.Gates; gate++)
                WriteGateSums(w, spec, width, input, stateInRegisters, gate);
            if (!spec.HasCell)
                w.Line($"{width.Static}.StoreUnsafe(r2, ref extra);");
        }
        else
        {
            WriteOperands(w, spec, width, input, stateInRegisters);
            for (int gate = 0; gate < spec.Gates; gate++)
                WriteGateBlocks(w, spec, width, input, stateInRegisters, gate, reverse: false);
        }
        if (h == lanes)
            WriteStateInOnePass(w, spec, width, sumsInRegisters: !walksBothWays);
        else
            WriteStateInTwoPasses(w, spec, width);
        w.Close();
        if (!walksBothWays)
            return;
        foreach (bool reverse in new[] { false, true })
        {
            for (int gate = 0; gate < spec.Gates; gate++)
            {
                w.Line();
                GeneratedFile.Method(w, methodAttributes);
                w.Open($"private static void {GateName(inputs, gate, width, reverse)}(ref float x, ref float h, ref float inputWeights, ref float recurrentWeights, "
                    + "ref float inputBias, ref float recurrentBias, ref float gates, ref float extra)");
                WriteOperands(w, spec, width, input, stateInRegisters);
                WriteGateBlocks(w, spec, width, input, stateInRegisters, gate, reverse);
                w.Close();
            }
        }
    }

    /// <summary>
    /// The new state from the gates' sums when Hidden is one vector: the gates' activations, which do not depend on each
    /// other, then the cell's or the candidate's tanh and the new hidden state. The sums are read from gates (and the
    /// GRU's <c>W_hn h + b_hn</c> from extra) unless <paramref name="sumsInRegisters"/>, where they are z0… and r2.
    /// </summary>
    private static void WriteStateInOnePass(IndentedWriter w, RecurrentSpec spec, VectorWidth width, bool sumsInRegisters)
    {
        int h = spec.Hidden;
        string v = width.Type, s = width.Static;
        if (!sumsInRegisters)
        {
            w.Open("");
            w.Line("nuint j = 0;");
            for (int gate = 0; gate < spec.Gates; gate++)
                w.Line($"{v} z{gate} = {s}.LoadUnsafe(ref gates, {Number(gate * h)});");
            if (!spec.HasCell)
                w.Line($"{v} r2 = {s}.LoadUnsafe(ref extra);");
        }
        if (spec.HasCell)
        {
            w.Line($"{v} ig = {VM}.Sigmoid(z0);");
            w.Line($"{v} fg = {VM}.Sigmoid(z1);");
            w.Line($"{v} gg = {VM}.Tanh(z2);");
            w.Line($"{v} og = {VM}.Sigmoid(z3);");
            w.Line($"{v} cell = fg * {s}.LoadUnsafe(ref c, j) + ig * gg;");
            w.Line($"{s}.StoreUnsafe(cell, ref c, j);");
            w.Line($"{v} squashed = {VM}.Tanh(cell);");
            w.Line($"{s}.StoreUnsafe(og * squashed, ref h, j);");
            w.Open("if (keep)");
            WriteStores(w, width, ("ig", "gates", 0), ("fg", "gates", h), ("gg", "gates", 2 * h), ("og", "gates", 3 * h), ("squashed", "extra", 0));
            w.Close();
        }
        else
        {
            w.Line($"{v} rg = {VM}.Sigmoid(z0);");
            w.Line($"{v} ug = {VM}.Sigmoid(z1);");
            w.Line($"{v} ng = {VM}.Tanh(z2 + rg * r2);");
            w.Line($"{s}.StoreUnsafe(ng + ug * ({s}.LoadUnsafe(ref h, j) - ng), ref h, j);");
            w.Open("if (keep)");
            WriteStores(w, width, ("rg", "gates", 0), ("ug", "gates", h), ("ng", "gates", 2 * h));
            w.Close();
        }
        if (!sumsInRegisters)
            w.Close();
    }

    /// <summary>
    /// The new state from the gates' sums, a block of hidden units at a time, in two loops: first every block's gate
    /// activations (and the LSTM's cell, the GRU's candidate sum), then every block's tanh and new hidden state. In one
    /// loop each block is two activations deep, one after the other, and the processor has too few blocks in flight to
    /// overlap them; in two, each loop's blocks are independent of each other.
    /// </summary>
    private static void WriteStateInTwoPasses(IndentedWriter w, RecurrentSpec spec, VectorWidth width)
    {
        int h = spec.Hidden, lanes = width.Lanes;
        string v = width.Type, s = width.Static;
        string loop = $"for (nuint j = 0; j < {Number(h)}; j += {Number(lanes)})";
        // What the second loop reads goes back into gates whether or not the step is kept: the LSTM's output gate, the GRU's
        // update gate and its candidate's sum before the tanh. The other activated gates are stored only for a kept step.
        w.Open(loop);
        for (int gate = 0; gate < spec.Gates; gate++)
            w.Line($"{v} z{gate} = {s}.LoadUnsafe(ref gates, j + {Number(gate * h)});");
        if (spec.HasCell)
        {
            w.Line($"{v} ig = {VM}.Sigmoid(z0);");
            w.Line($"{v} fg = {VM}.Sigmoid(z1);");
            w.Line($"{v} gg = {VM}.Tanh(z2);");
            w.Line($"{s}.StoreUnsafe(fg * {s}.LoadUnsafe(ref c, j) + ig * gg, ref c, j);");
            WriteStores(w, width, ($"{VM}.Sigmoid(z3)", "gates", 3 * h));
            w.Open("if (keep)");
            WriteStores(w, width, ("ig", "gates", 0), ("fg", "gates", h), ("gg", "gates", 2 * h));
            w.Close();
        }
        else
        {
            w.Line($"{v} rg = {VM}.Sigmoid(z0);");
            WriteStores(w, width, ($"{VM}.Sigmoid(z1)", "gates", h), ($"z2 + rg * {s}.LoadUnsafe(ref extra, j)", "gates", 2 * h));
            w.Open("if (keep)");
            WriteStores(w, width, ("rg", "gates", 0));
            w.Close();
        }
        w.Close();
        w.Open(loop);
        if (spec.HasCell)
        {
            w.Line($"{v} squashed = {VM}.Tanh({s}.LoadUnsafe(ref c, j));");
            w.Line($"{s}.StoreUnsafe({s}.LoadUnsafe(ref gates, j + {Number(3 * h)}) * squashed, ref h, j);");
            w.Open("if (keep)");
            WriteStores(w, width, ("squashed", "extra", 0));
            w.Close();
        }
        else
        {
            w.Line($"{v} ng = {VM}.Tanh({s}.LoadUnsafe(ref gates, j + {Number(2 * h)}));");
            w.Line($"{s}.StoreUnsafe(ng + {s}.LoadUnsafe(ref gates, j + {Number(h)}) * ({s}.LoadUnsafe(ref h, j) - ng), ref h, j);");
            w.Open("if (keep)");
            WriteStores(w, width, ("ng", "gates", 2 * h));
            w.Close();
        }
        w.Close();
    }

    /// <summary>Stores each value at its buffer's element <c>j + offset</c>.</summary>
    private static void WriteStores(IndentedWriter w, VectorWidth width, params (string Value, string Buffer, int Offset)[] stores)
    {
        foreach ((string value, string buffer, int offset) in stores)
            w.Line($"{width.Static}.StoreUnsafe({value}, ref {buffer}, {(offset == 0 ? "j" : "j + " + Number(offset))});");
    }

    /// <summary>
    /// Whether the kernel for layers of <paramref name="inputs"/> inputs walks the weights the other way on every other
    /// call (see the class remarks): where they are more than L1 holds (32 KiB on the x64 and arm64 cores this project
    /// measures), so that the rows the last call read last are still there.
    /// </summary>
    public static bool WalksBothWays(RecurrentSpec spec, int inputs) => 4L * spec.GateRows * (inputs + spec.Hidden) > 32 * 1024;

    /// <summary>Whether any layer's kernel walks both ways, so the step keeps a direction.</summary>
    public static bool WalksBothWays(RecurrentSpec spec) => Inputs(spec).Any(inputs => WalksBothWays(spec, inputs));

    private static string GateName(int inputs, int gate, VectorWidth width, bool reverse) =>
        "__DenseGateSums" + Number(inputs) + "Gate" + Number(gate) + (reverse ? "Reversed" : "") + width.Name;

    /// <summary>The operands every gate's rows read: the hidden state in registers when its row is short (a longer row is read in its loop), and the input.</summary>
    private static void WriteOperands(IndentedWriter w, RecurrentSpec spec, VectorWidth width, InputPart input, bool stateInRegisters)
    {
        int lanes = width.Lanes, inputs = input.Inputs;
        string v = width.Type, s = width.Static;
        if (stateInRegisters)
        {
            for (int i = 0; i < spec.Hidden / lanes; i++)
                w.Line($"{v} h{i} = {s}.LoadUnsafe(ref h, {Number(i * lanes)});");
        }
        if (inputs == 1)
            w.Line($"{v} xb = {s}.Create(x);");
        for (int i = input.VectorColumns; i < inputs; i++)
            w.Line($"float x{i} = {U}.Add(ref x, {Number(i)});");
        if (input.RowsInVectors)
        {
            // The input repeated across a block's weights read as whole vectors: lane l of pattern k multiplies weight
            // k·lanes + l of the block, column (k·lanes + l) mod inputs. With two inputs every pattern is the same.
            for (int k = 0; k < input.Patterns; k++)
                w.Line($"{v} xp{k} = {s}.Create({string.Join(", ", Enumerable.Range(0, lanes).Select(l => "x" + Number((k * lanes + l) % inputs)))});");
        }
        if (input.RowsInQuads)
        {
            w.Line($"{V128}<float> xq = {V128}.Create({string.Join(", ", Enumerable.Range(0, 4).Select(i => i < inputs ? $"x{i}" : "0f"))});");
            if (inputs < 4)
                w.Line($"{V128}<float> xm = {V128}.AsSingle({V128}.Create({string.Join(", ", Enumerable.Range(0, 4).Select(i => i < inputs ? "0xFFFFFFFFu" : "0u"))}));");
        }
    }

    /// <summary>The sums of one gate's rows, a block of <c>lanes</c> rows at a time, first block first or (reverse) last first.</summary>
    private static void WriteGateBlocks(IndentedWriter w, RecurrentSpec spec, VectorWidth width, InputPart input, bool stateInRegisters, int gate, bool reverse)
    {
        int h = spec.Hidden, lanes = width.Lanes;
        string s = width.Static;
        if (reverse)
        {
            w.Open($"for (nuint block = 0; block < {Number(h)}; block += {Number(lanes)})");
            w.Line($"nuint j = {Number(h - lanes)} - block;");
        }
        else
        {
            w.Open($"for (nuint j = 0; j < {Number(h)}; j += {Number(lanes)})");
        }
        WriteGateSums(w, spec, width, input, stateInRegisters, gate);
        w.Line($"{s}.StoreUnsafe(z{gate}, ref gates, j + {Number(gate * h)});");
        if (!spec.HasCell && gate == 2)
            w.Line($"{s}.StoreUnsafe(r2, ref extra, j);");
        w.Close();
    }

    /// <summary>
    /// <c>z{gate} = (b_ih + b_hh) + W_ih x + W_hh h</c> for the block of rows <c>gate·Hidden + j</c>; the GRU's n keeps
    /// <c>W_in x + b_in</c> (z2) and <c>W_hn h + b_hn</c> (r2) apart.
    /// </summary>
    private static void WriteGateSums(IndentedWriter w, RecurrentSpec spec, VectorWidth width, InputPart input, bool stateInRegisters, int gate)
    {
        int h = spec.Hidden, lanes = width.Lanes, inputs = input.Inputs;
        string v = width.Type, s = width.Static;
        int first = gate * h;
        bool separate = !spec.HasCell && gate == 2;
        string z = "z" + Number(gate);
        w.Line($"ref float wx{gate} = ref {U}.Add(ref inputWeights, j * {Number(inputs)});");
        w.Line($"ref float wh{gate} = ref {U}.Add(ref recurrentWeights, j * {Number(h)});");
        if (separate)
        {
            w.Line($"{v} {z} = {s}.LoadUnsafe(ref inputBias, j + {Number(first)});");
            w.Line($"{v} r{gate} = {s}.LoadUnsafe(ref recurrentBias, j + {Number(first)});");
        }
        else
        {
            w.Line($"{v} {z} = {s}.LoadUnsafe(ref inputBias, j + {Number(first)}) + {s}.LoadUnsafe(ref recurrentBias, j + {Number(first)});");
        }
        if (inputs == 1)
        {
            w.Line($"{z} = {VM}.MultiplyAdd({s}.LoadUnsafe(ref wx{gate}, {Number(first)}), xb, {z});");
        }
        else if (input.RowsInVectors)
        {
            // The block's weights are inputs·lanes floats in a row: whole vectors times the repeated input, each row's
            // products then summed in one vector (as RowsInQuads sums them, so the bits are the same).
            IEnumerable<string> products = Enumerable.Range(0, inputs)
                .Select(k => $"{s}.LoadUnsafe(ref wx{gate}, {Number(first * inputs + k * lanes)}) * xp{k % input.Patterns}");
            w.Line($"{z} += {VM}.SumEach{(inputs == 2 ? "Pair" : "Triple")}({string.Join(", ", products)});");
        }
        else
        {
            w.Line($"{z} += {Combine(width, Enumerable.Range(0, lanes / 4).Select(tile => InputTile(w, width, input, $"wx{gate}", first + 4 * tile, $"{z}i{tile}", gate == spec.Gates - 1 && tile == lanes / 4 - 1, h - lanes)).ToList())};");
        }
        List<string[]> tiles = Enumerable.Range(0, lanes / 4).Select(tile => HiddenTile(w, spec, width, stateInRegisters, $"wh{gate}", first + 4 * tile, $"{z}h{tile}")).ToList();
        // A block's rows summed in one shuffle tree where the vectors are 256 or 512 bits (eight or sixteen rows, in half
        // or a third of the instructions of reductions four rows at a time); Vector128 blocks are four rows.
        string hidden = $"{VM}.SumEach({string.Join(", ", tiles.SelectMany(tile => tile))})";
        w.Line(separate ? $"r{gate} += {hidden};" : $"{z} += {hidden};");
    }

    /// <summary>A vector of <c>lanes</c> row sums from <c>lanes / 4</c> Vector128s of four.</summary>
    private static string Combine(VectorWidth width, IReadOnlyList<string> quarters) => width.Bits switch
    {
        128 => quarters[0],
        256 => $"{V256}.Create({quarters[0]}, {quarters[1]})",
        _ => $"global::System.Runtime.Intrinsics.Vector512.Create({V256}.Create({quarters[0]}, {quarters[1]}), {V256}.Create({quarters[2]}, {quarters[3]}))",
    };

    /// <summary>The columns of the input's weights taken in vectors (whole vectors only), and the rest one by one.</summary>
    private sealed class InputPart
    {
        public InputPart(int inputs, int lanes)
        {
            Inputs = inputs;
            Lanes = lanes;
            VectorColumns = inputs == 1 ? 1 : inputs / lanes * lanes;
        }

        public int Inputs { get; }

        public int Lanes { get; }

        public int VectorColumns { get; }

        /// <summary>
        /// Two or three inputs in vectors of eight or sixteen lanes: a block's weights read as whole vectors and each row's
        /// products gathered by <c>VectorMath.SumEachPair</c>/<c>SumEachTriple</c>, a third of the instructions of
        /// <see cref="RowsInQuads"/>.
        /// </summary>
        public bool RowsInVectors => (Inputs == 2 || Inputs == 3) && Lanes >= 8;

        /// <summary>The distinct input patterns <see cref="RowsInVectors"/> multiplies by: with two inputs, one.</summary>
        public int Patterns => Inputs == 2 ? 1 : Inputs;

        /// <summary>Two to four inputs, fewer than a vector's lanes (and not <see cref="RowsInVectors"/>): each row's weights read as one Vector128.</summary>
        public bool RowsInQuads => Inputs >= 2 && Inputs <= 4 && Inputs < Lanes && !RowsInVectors;
    }

    /// <summary>
    /// Rows <paramref name="row"/> to +3 of <c>W_ih x</c> (relative to the block's first row, <c>wx</c>) into a Vector128
    /// named <paramref name="name"/>: whole vectors of columns, then the rest as scalars.
    /// </summary>
    private static string InputTile(IndentedWriter w, VectorWidth width, InputPart input, string wx, int row, string name, bool lastTile, int lastBlock)
    {
        string v = width.Type, s = width.Static;
        int vectors = input.VectorColumns / input.Lanes;
        var rest = new List<string>();
        for (int k = 0; k < 4; k++)
        {
            int start = (row + k) * input.Inputs;
            var terms = new List<string>();
            for (int i = input.VectorColumns; i < input.Inputs; i++)
                terms.Add($"{U}.Add(ref {wx}, {Number(start + i)}) * x{i}");
            rest.Add(terms.Count == 0 ? "0f" : string.Join(" + ", terms));
        }
        string scalars = $"{V128}.Create({string.Join(", ", rest)})";
        if (input.RowsInQuads)
        {
            // Each row's weights as one Vector128 (lanes past the row masked off), times [x, 0…]: a tile is four loads,
            // multiplies and a SumEach, where one product at a time took three times the instructions. The matrix's last
            // row would read past its end, so that one row, in the last block, is summed one product at a time.
            for (int k = 0; k < 4; k++)
            {
                int start = (row + k) * input.Inputs;
                string load = $"({V128}.LoadUnsafe(ref {wx}, {Number(start)}){(input.Inputs < 4 ? " & xm" : "")}) * xq";
                if (lastTile && k == 3)
                    w.Line($"{V128}<float> {name}p{k} = j != {Number(lastBlock)} ? {load} : {V128}.CreateScalar({rest[k]});");
                else
                    w.Line($"{V128}<float> {name}p{k} = {load};");
            }
            w.Line($"{V128}<float> {name} = {VM}.SumEach({name}p0, {name}p1, {name}p2, {name}p3);");
            return name;
        }
        if (vectors == 0)
        {
            w.Line($"{V128}<float> {name} = {scalars};");
            return name;
        }
        for (int k = 0; k < 4; k++)
        {
            int start = (row + k) * input.Inputs;
            w.Line($"{v} {name}a{k} = {s}.LoadUnsafe(ref {wx}, {Number(start)}) * {s}.LoadUnsafe(ref x, 0);");
            for (int i = 1; i < vectors; i++)
                w.Line($"{name}a{k} = {VM}.MultiplyAdd({s}.LoadUnsafe(ref {wx}, {Number(start + i * input.Lanes)}), {s}.LoadUnsafe(ref x, {Number(i * input.Lanes)}), {name}a{k});");
        }
        string sum = $"{VM}.SumEach({name}a0, {name}a1, {name}a2, {name}a3)";
        w.Line($"{V128}<float> {name} = {(input.VectorColumns == input.Inputs ? sum : sum + " + " + scalars)};");
        return name;
    }

    /// <summary>
    /// Rows <paramref name="row"/> to +3 of <c>W_hh h</c> (relative to the block's first row, <c>wh</c>): each row's
    /// products summed into one vector, whose lanes the caller then adds. Returns the four vectors' names. Two
    /// accumulators per row once a row is four vectors or more, so that the multiply-adds of one row do not wait on each
    /// other; with the state in registers the four rows' multiply-adds are written column by column, so that no
    /// instruction waits on the one before it (each accumulator's order is unchanged, and with it the bits).
    /// </summary>
    private static string[] HiddenTile(IndentedWriter w, RecurrentSpec spec, VectorWidth width, bool stateInRegisters, string wh, int row, string name)
    {
        string v = width.Type, s = width.Static;
        int h = spec.Hidden, lanes = width.Lanes, vectors = h / lanes;
        if (stateInRegisters)
        {
            bool split = vectors >= 4;
            for (int k = 0; k < 4; k++)
            {
                int start = (row + k) * h;
                w.Line($"{v} {name}a{k} = {s}.LoadUnsafe(ref {wh}, {Number(start)}) * h0;");
                if (split)
                    w.Line($"{v} {name}b{k} = {s}.LoadUnsafe(ref {wh}, {Number(start + lanes)}) * h1;");
            }
            for (int i = split ? 2 : 1; i < vectors; i++)
            {
                for (int k = 0; k < 4; k++)
                {
                    int start = (row + k) * h;
                    string acc = split && i % 2 == 1 ? $"{name}b{k}" : $"{name}a{k}";
                    w.Line($"{acc} = {VM}.MultiplyAdd({s}.LoadUnsafe(ref {wh}, {Number(start + i * lanes)}), h{i}, {acc});");
                }
            }
            for (int k = 0; k < 4 && split; k++)
                w.Line($"{name}a{k} += {name}b{k};");
        }
        else
        {
            for (int k = 0; k < 4; k++)
            {
                w.Line($"{v} {name}a{k} = {v}.Zero;");
                w.Line($"{v} {name}b{k} = {v}.Zero;");
                w.Line($"ref float {name}w{k} = ref {U}.Add(ref {wh}, {Number((row + k) * h)});");
            }
            // Rows of an even number of vectors (Hidden > 8 vectors: always, for the widths that divide it into blocks of 4).
            int step = vectors % 2 == 0 ? 2 * lanes : lanes;
            w.Open($"for (nuint i = 0; i < {Number(h)}; i += {Number(step)})");
            w.Line($"{v} ha = {s}.LoadUnsafe(ref h, i);");
            if (vectors % 2 == 0)
                w.Line($"{v} hb = {s}.LoadUnsafe(ref h, i + {Number(lanes)});");
            for (int k = 0; k < 4; k++)
            {
                w.Line($"{name}a{k} = {VM}.MultiplyAdd({s}.LoadUnsafe(ref {name}w{k}, i), ha, {name}a{k});");
                if (vectors % 2 == 0)
                    w.Line($"{name}b{k} = {VM}.MultiplyAdd({s}.LoadUnsafe(ref {name}w{k}, i + {Number(lanes)}), hb, {name}b{k});");
            }
            w.Close();
            for (int k = 0; k < 4; k++)
                w.Line($"{name}a{k} += {name}b{k};");
        }
        return Enumerable.Range(0, 4).Select(k => $"{name}a{k}").ToArray();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
