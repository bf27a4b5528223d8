using System.Globalization;
using System.Linq;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;
using static DenseGen.Generator.Layers.Recurrent.RecurrentSpec;

namespace DenseGen.Generator.Layers.Recurrent;

/// <summary>
/// Turns a <see cref="RecurrentSpec"/> into the source of the layer's partial type: constants, the tensors (through the
/// shared frame), the running state and its scratch, <c>ResetState</c>, <c>Step</c> and <c>Forward</c>, and for a trainable
/// layer the history Forward keeps, the gradients and <c>Backward</c> (<see cref="RecurrentBackward"/>). Pure: the same spec
/// always gives byte-identical text.
/// </summary>
/// <remarks>
/// The step follows PyTorch's order: each half of the gates (<c>W_ih x + b_ih</c>, <c>W_hh h + b_hh</c>) on its own, then
/// the halves added; an LSTM's <c>c' = f·c + i·g</c>, a GRU's <c>h' = n + z·(h − n)</c>. In the full output a float
/// layer's step is one fused vector kernel per layer (<see cref="RecurrentStepKernel"/>) where Hidden is a multiple of 4 and
/// the process is not in deterministic mode; otherwise the halves are the dense layers' vector kernels
/// (<see cref="RecurrentKernels"/>) and the gates' sigmoid and tanh the runtime's span functions. A deterministic layer and
/// the portable output write the halves element by element, each product sum from zero then its bias, every size a
/// constant, and a deterministic layer rounds every step with DenseGen's own sigmoid and tanh.
/// </remarks>
internal static class RecurrentEmitter
{
    internal const string Span = "global::System.Span";
    internal const string ReadOnlySpan = "global::System.ReadOnlySpan";
    internal const string Guard = GeneratedFile.Guard;
    // The extent of the last Forward, which a trainable layer's Backward goes back through.
    internal const string KeptStreamsField = "__denseKeptStreams", KeptStepsField = "__denseKeptSteps";

    public static string Emit(RecurrentSpec spec, TargetInfo target)
    {
        bool portable = target.IsPortable;
        var w = new IndentedWriter();
        GeneratedFile.Open(w, spec.Namespace, spec.ContainingTypes);
        string t = spec.ElementKeyword;
        w.Open($"partial {(spec.IsStruct ? "struct" : "class")} {spec.TypeName} : global::DenseGen.{(spec.Trainable ? "ITrainable" : "IParameterTensors")}<{t}>");
        LayerContract contract = spec.Contract;
        WriteConstants(w, spec, contract);
        LayerStorage storage = LayerFrame.StorageFor(spec, portable);
        LayerFrame.WriteStorage(w, spec, contract, storage);
        WriteStateStorage(w, spec, storage);
        LayerFrame.WriteSpanProperties(w, spec, contract, storage);
        WriteStateProperties(w, spec, storage);
        string? methodAttributes = portable ? null : KernelWriterAttributes(target);
        WriteResetState(w, spec, storage, methodAttributes);
        WriteStep(w, spec, storage, methodAttributes);
        WriteForward(w, spec, storage, methodAttributes);
        WriteCellStep(w, spec, storage, methodAttributes, portable);
        if (RecurrentStepKernel.Applies(spec, portable))
            RecurrentStepKernel.WriteMethods(w, spec, methodAttributes);
        if (RecurrentKernels.Applies(spec, portable))
            RecurrentKernels.WriteClasses(w, spec, target.AllowsUnsafe);
        if (spec.Trainable)
        {
            RecurrentBackward.Write(w, spec, storage, methodAttributes, portable);
            LayerFrame.WriteZeroGradients(w, contract, methodAttributes);
        }
        LayerFrame.WriteTensorMembers(w, spec, contract);
        w.Close();
        GeneratedFile.Close(w, spec.Namespace, spec.ContainingTypes);
        return w.ToString();
    }

    private static string KernelWriterAttributes(TargetInfo target) => Dense.KernelWriter.MethodAttributes(target.AllowsUnsafe);

    private static void WriteConstants(IndentedWriter w, RecurrentSpec spec, LayerContract contract)
    {
        Constant(w, "Inputs per time step of each stream: the length of <c>x</c>.", "int", "InputSize", Number(spec.In));
        Constant(w, "Hidden units per layer: the output per time step of each stream.", "int", "HiddenSize", Number(spec.Hidden));
        Constant(w, "Stacked layers: layer k &gt; 0 reads layer k − 1's output at the same time step.", "int", "Layers", Number(spec.Layers));
        Constant(w, "Streams the layer keeps state for: <see cref=\"Step\"/> and <see cref=\"Forward\"/> take up to this many at once.", "int", "MaxBatch", Number(spec.MaxBatch));
        if (spec.Trainable)
            Constant(w, "The longest sequence <see cref=\"Forward\"/> takes, in time steps: every step is kept for <see cref=\"Backward\"/>.", "int", "MaxSteps", Number(spec.MaxSteps));
        Constant(w, "Number of parameters: every layer's weights and biases (the initial state is state, not counted).", "long", "ParameterCount", Number(contract.ParameterCount));
        Constant(w,
            spec.Trainable
                ? "Bytes of the tensors and their gradients, the running state of every stream, what Forward keeps of every step for Backward, and the scratch: the size of a struct layer, and of a class layer's data (its object and array headers aside)."
                : "Bytes of the tensors, the running state of every stream and the step's scratch: the size of a struct layer, and of a class layer's data (its object and array headers aside).",
            "long", "StorageBytes", Number(contract.StorageBytes(spec.ElementSize)));
    }

    private static void Constant(IndentedWriter w, string summary, string type, string name, string value)
    {
        w.Line($"/// <summary>{summary}</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const {type} {name} = {value};");
        w.Line();
    }

    /// <summary>The layer's own buffers (<see cref="RecurrentSpec.OwnBuffers"/>), stored as the tensors are, and a trainable layer's last Forward's extent.</summary>
    private static void WriteStateStorage(IndentedWriter w, RecurrentSpec spec, LayerStorage storage)
    {
        LayerFrame.WriteOwnBuffers(w, spec, storage, spec.OwnBuffers);
        if (spec.Trainable)
        {
            // The extent of the last Forward, which Backward goes back through; 0 steps before any.
            GeneratedFile.Field(w);
            w.Line($"private int {KeptStreamsField}, {KeptStepsField};");
            w.Line();
        }
    }

    private static void WriteStateProperties(IndentedWriter w, RecurrentSpec spec, LayerStorage storage)
    {
        LayerFrame.WriteSpanProperty(w, spec, "HiddenState", LayerFrame.SpanOf(HiddenField, storage), StateSummary("hidden state <c>h</c>, which is also each layer's output"));
        if (spec.HasCell)
            LayerFrame.WriteSpanProperty(w, spec, "CellState", LayerFrame.SpanOf(CellField, storage), StateSummary("cell state <c>c</c>"));
        if (!spec.Trainable)
            return;
        LayerFrame.WriteSpanProperty(w, spec, "HiddenStateGradients", LayerFrame.SpanOf(HiddenGradientsField, storage), StateGradientSummary("hidden state", "HiddenState"));
        if (spec.HasCell)
            LayerFrame.WriteSpanProperty(w, spec, "CellStateGradients", LayerFrame.SpanOf(CellGradientsField, storage), StateGradientSummary("cell state", "CellState"));
    }

    private static string StateSummary(string what) =>
        $"The running {what} of every layer and stream, <c>[Layers, MaxBatch, HiddenSize]</c> (PyTorch's <c>h_0</c> layout): "
        + "stream s of layer k starts at <c>(k * MaxBatch + s) * HiddenSize</c>. <see cref=\"Step\"/> and <see cref=\"Forward\"/> start "
        + "from it and leave the last step's state in it; read or write it to carry a stream's state elsewhere. Neither saved nor "
        + "trained; zero when the layer is created, and set from the initial state by <see cref=\"ResetState\"/>.";

    private static string StateGradientSummary(string what, string state) =>
        $"<c>∂L/∂{what}</c> before the last <see cref=\"Forward\"/> of every layer and stream, <c>[Layers, MaxBatch, HiddenSize]</c> like "
        + $"<see cref=\"{state}\"/>: <see cref=\"Backward\"/> writes it (does not add to it) for the streams that Forward ran, and "
        + "leaves the others. Pass it on to whatever produced that state.";

    private static void WriteResetState(IndentedWriter w, RecurrentSpec spec, LayerStorage storage, string? methodAttributes)
    {
        w.Line("/// <summary>Sets every stream's running state to the initial state (<see cref=\"InitialHiddenState\"/>" + (spec.HasCell ? " and <see cref=\"InitialCellState\"/>" : "") + "), as at the start of a sequence.</summary>");
        GeneratedFile.Method(w, methodAttributes);
        w.Open("public void ResetState()");
        w.Open($"for (int layer = 0; layer < {Number(spec.Layers)}; layer++)");
        w.Open($"for (int stream = 0; stream < {Number(spec.MaxBatch)}; stream++)");
        w.Line($"int start = (layer * {Number(spec.MaxBatch)} + stream) * {Number(spec.Hidden)};");
        w.Line($"InitialHiddenState.Slice(layer * {Number(spec.Hidden)}, {Number(spec.Hidden)}).CopyTo(HiddenState.Slice(start, {Number(spec.Hidden)}));");
        if (spec.HasCell)
            w.Line($"InitialCellState.Slice(layer * {Number(spec.Hidden)}, {Number(spec.Hidden)}).CopyTo(CellState.Slice(start, {Number(spec.Hidden)}));");
        w.Close();
        w.Close();
        w.Close();
        w.Line();
    }

    private static void WriteStep(IndentedWriter w, RecurrentSpec spec, LayerStorage storage, string? methodAttributes)
    {
        string t = spec.ElementKeyword;
        w.Line("/// <summary>");
        w.Line("/// Advances the first <c>k = input.Length / InputSize</c> streams one time step: <paramref name=\"output\"/> receives each");
        w.Line("/// stream's new hidden state of the last layer. The other streams' state is unchanged.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\"><c>[k, InputSize]</c>, <c>1 ≤ k ≤ MaxBatch</c>.</param>");
        w.Line("/// <param name=\"output\">Receives <c>[k, HiddenSize]</c>.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The spans do not hold whole streams, hold different numbers of them or more than");
        w.Line("/// <see cref=\"MaxBatch\"/>, or <paramref name=\"output\"/> overlaps the input or the layer's memory. Nothing is written when it is thrown.</exception>");
        w.Line("/// <remarks>Writes the layer's state: one thread at a time. Allocates nothing.</remarks>");
        GeneratedFile.Method(w, methodAttributes);
        w.Open($"public void Step({ReadOnlySpan}<{t}> input, {Span}<{t}> output)");
        w.Line($"int streams = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        WriteRequireStreams(w, "streams", "input");
        w.Line($"{Guard}.RequireSamples(output.Length, streams, HiddenSize, nameof(output), nameof(HiddenSize));");
        WriteDisjoint(w, spec, storage);
        w.Line($"for (int stream = 0; stream < streams; stream++)");
        w.Line($"    __DenseCellStep(input.Slice(stream * {Number(spec.In)}, {Number(spec.In)}), output.Slice(stream * {Number(spec.Hidden)}, {Number(spec.Hidden)}), stream{(spec.Trainable ? ", -1" : "")});");
        w.Close();
        w.Line();
    }

    private static void WriteForward(IndentedWriter w, RecurrentSpec spec, LayerStorage storage, string? methodAttributes)
    {
        string t = spec.ElementKeyword;
        w.Line("/// <summary>");
        w.Line("/// Runs sequences of <paramref name=\"steps\"/> time steps through the first <c>k</c> streams, PyTorch's <c>batch_first</c>");
        w.Line("/// layout: starts from each stream's running state and leaves the last step's state there.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\"><c>[k, steps, InputSize]</c>, <c>1 ≤ k ≤ MaxBatch</c>.</param>");
        w.Line("/// <param name=\"output\">Receives <c>[k, steps, HiddenSize]</c>: the last layer's hidden state after every step.</param>");
        if (spec.Trainable)
        {
            w.Line("/// <param name=\"steps\">Time steps per stream, from 1 to <see cref=\"MaxSteps\"/>.</param>");
            w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"steps\"/> is less than 1 or more than <see cref=\"MaxSteps\"/>.</exception>");
        }
        else
        {
            w.Line("/// <param name=\"steps\">Time steps per stream, at least 1.</param>");
            w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"steps\"/> is less than 1.</exception>");
        }
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The spans do not hold whole sequences, hold different numbers of them or more than");
        w.Line("/// <see cref=\"MaxBatch\"/>, or <paramref name=\"output\"/> overlaps the input or the layer's memory. Nothing is written when it is thrown.</exception>");
        w.Line(spec.Trainable
            ? "/// <remarks>Writes the layer's state and keeps every step for <see cref=\"Backward\"/>: one thread at a time. Allocates nothing.</remarks>"
            : "/// <remarks>Writes the layer's state: one thread at a time. Allocates nothing.</remarks>");
        GeneratedFile.Method(w, methodAttributes);
        w.Open($"public void Forward({ReadOnlySpan}<{t}> input, {Span}<{t}> output, int steps)");
        w.Line("if (steps < 1)");
        w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(steps), steps, \"A sequence has at least one time step.\");");
        if (spec.Trainable)
        {
            w.Line("if (steps > MaxSteps)");
            w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(steps), steps, $\"A trainable layer keeps at most MaxSteps ({MaxSteps}) steps for Backward; raise MaxSteps, or run longer sequences with Step.\");");
        }
        w.Line("long stepInputs = (long)steps * InputSize;");
        w.Line("if (input.Length == 0 || input.Length % stepInputs != 0)");
        w.Line("    throw new global::System.ArgumentException($\"input holds {input.Length} elements, not a positive whole number of sequences of {steps} steps × InputSize ({InputSize}).\", nameof(input));");
        w.Line("int streams = (int)(input.Length / stepInputs);");
        WriteRequireStreams(w, "streams", "input");
        w.Line("if (output.Length != (long)streams * steps * HiddenSize)");
        w.Line("    throw new global::System.ArgumentException($\"output holds {output.Length} elements; {streams} sequences of {steps} steps × HiddenSize ({HiddenSize}) need {(long)streams * steps * HiddenSize}.\", nameof(output));");
        WriteDisjoint(w, spec, storage);
        if (spec.Trainable)
        {
            w.Line($"{KeptStreamsField} = streams;");
            w.Line($"{KeptStepsField} = steps;");
        }
        w.Open("for (int step = 0; step < steps; step++)");
        w.Open("for (int stream = 0; stream < streams; stream++)");
        w.Line("int at = stream * steps + step;");
        w.Line($"__DenseCellStep(input.Slice(at * {Number(spec.In)}, {Number(spec.In)}), output.Slice(at * {Number(spec.Hidden)}, {Number(spec.Hidden)}), stream{(spec.Trainable ? ", step" : "")});");
        w.Close();
        w.Close();
        w.Close();
        w.Line();
    }

    private static void WriteRequireStreams(IndentedWriter w, string streams, string parameter)
    {
        w.Line($"if ({streams} > MaxBatch)");
        w.Line($"    throw new global::System.ArgumentException($\"{parameter} holds {{{streams}}} streams, more than MaxBatch ({{MaxBatch}}).\", nameof({parameter}));");
    }

    /// <summary>The output must overlap nothing the step reads or writes: the input, the tensors, the state and the scratch; the input must not be the state.</summary>
    private static void WriteDisjoint(IndentedWriter w, RecurrentSpec spec, LayerStorage storage)
    {
        string t = spec.ElementKeyword;
        w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), input, nameof(input));");
        if (storage == LayerStorage.Inline)
        {
            // A struct layer's buffers all lie inside the value: two checks against the whole of it settle the usual case,
            // where neither span is inside the layer, and only a span that is goes through the checks that name the buffer.
            const string marshal = "global::System.Runtime.InteropServices.MemoryMarshal", unsafeClass = "global::System.Runtime.CompilerServices.Unsafe";
            w.Line($"global::System.ReadOnlySpan<byte> layerBytes = {marshal}.CreateReadOnlySpan(ref {unsafeClass}.As<{spec.TypeName}, byte>(ref this), {unsafeClass}.SizeOf<{spec.TypeName}>());");
            w.Open($"if (global::System.MemoryExtensions.Overlaps({marshal}.AsBytes(output), layerBytes) || global::System.MemoryExtensions.Overlaps({marshal}.AsBytes(input), layerBytes))");
        }
        LayerFrame.WriteDisjointFromTensors(w, spec, spec.Contract, storage, "output", gradients: false);
        foreach (string span in new[] { "output", "input" })
        {
            w.Line($"{Guard}.RequireDisjoint<{t}>({span}, nameof({span}), {LayerFrame.SpanOf(HiddenField, storage)}, nameof(HiddenState));");
            if (spec.HasCell)
                w.Line($"{Guard}.RequireDisjoint<{t}>({span}, nameof({span}), {LayerFrame.SpanOf(CellField, storage)}, nameof(CellState));");
        }
        if (storage == LayerStorage.Inline)
            w.Close();
    }

    /// <summary>
    /// One time step of one stream through every layer (see the class remarks for the order and the kernels). A
    /// trainable layer's Forward passes the step's index, and the step keeps what Backward needs; <c>Step</c> passes −1.
    /// </summary>
    private static void WriteCellStep(IndentedWriter w, RecurrentSpec spec, LayerStorage storage, string? methodAttributes, bool portable)
    {
        bool vectorKernels = RecurrentKernels.Applies(spec, portable);
        bool fused = RecurrentStepKernel.Applies(spec, portable);
        string t = spec.ElementKeyword;
        int h = spec.Hidden, rows = spec.GateRows;
        GeneratedFile.Method(w, methodAttributes);
        w.Open($"private void __DenseCellStep({ReadOnlySpan}<{t}> x, {Span}<{t}> y, int stream{(spec.Trainable ? ", int step" : "")})");
        w.Line($"{Span}<{t}> scratch = {LayerFrame.SpanOf(ScratchField, storage)};");
        if (fused && RecurrentStepKernel.WalksBothWays(spec))
        {
            // Each call walks the weights the other way from the last, starting with the gate that call read last.
            w.Line($"ref {t} direction = ref scratch[{Number(spec.OwnBuffers.Single(b => b.Field == ScratchField).Length - 1)}];");
            w.Line("bool reverse = direction != 0f;");
            w.Line("direction = reverse ? 0f : 1f;");
        }
        w.Line($"{Span}<{t}> gates = scratch.Slice(0, {Number(rows)});");
        // Gates, then their recurrent half (for a GRU, which needs it alone, `other`), then for an LSTM tanh(c') (`other`).
        w.Line($"{Span}<{t}> recurrent = scratch.Slice({Number(rows)}, {Number(rows)});");
        w.Line(spec.HasCell ? $"{Span}<{t}> other = scratch.Slice({Number(2 * rows)}, {Number(h)});" : $"{Span}<{t}> other = recurrent;");
        // Where the fused step leaves a GRU's W_hn h + b_hn, as the span path does.
        if (fused && !spec.HasCell)
            w.Line($"{Span}<{t}> extra = recurrent.Slice({Number(2 * h)}, {Number(h)});");
        if (spec.Trainable)
        {
            w.Line($"{Span}<{t}> historyHidden = {LayerFrame.SpanOf(HistoryHiddenField, storage)}, historyGates = {LayerFrame.SpanOf(HistoryGatesField, storage)}, historyExtra = {LayerFrame.SpanOf(HistoryExtraField, storage)};");
            if (spec.HasCell)
                w.Line($"{Span}<{t}> historyCell = {LayerFrame.SpanOf(HistoryCellField, storage)};");
        }
        // A struct layer's state is a span of the layer itself, which a local initialized from a parameter could outlive.
        w.Line($"{(spec.IsStruct ? "scoped " : "")}{ReadOnlySpan}<{t}> layerInput = x;");
        for (int layer = 0; layer < spec.Layers; layer++)
        {
            string k = Number(layer);
            int inputs = spec.InputsOf(layer);
            w.Open("");
            w.Line($"int at = ({k} * {Number(spec.MaxBatch)} + stream) * {Number(h)};");
            w.Line($"{Span}<{t}> h = HiddenState.Slice(at, {Number(h)});");
            if (spec.HasCell)
                w.Line($"{Span}<{t}> c = CellState.Slice(at, {Number(h)});");
            w.Line($"{ReadOnlySpan}<{t}> inputWeights = WeightIhL{k}, recurrentWeights = WeightHhL{k}, inputBias = BiasIhL{k}, recurrentBias = BiasHhL{k};");
            if (spec.Trainable)
                WriteKeepFirstState(w, spec, k);
            if (fused)
            {
                string m = Dense.KernelWriter.Marshal;
                string arguments = $"ref {m}.GetReference(layerInput), ref {m}.GetReference(h), {(spec.HasCell ? $"ref {m}.GetReference(c), " : "")}"
                    + $"ref {m}.GetReference(inputWeights), ref {m}.GetReference(recurrentWeights), ref {m}.GetReference(inputBias), ref {m}.GetReference(recurrentBias), "
                    + $"ref {m}.GetReference(gates), ref {m}.GetReference({(spec.HasCell ? "other" : "extra")}), {(spec.Trainable ? "step >= 0" : "false")}{(RecurrentStepKernel.WalksBothWays(spec, inputs) ? ", reverse" : "")}";
                RecurrentStepKernel.WriteCall(w, spec, inputs, arguments, () => WriteGates(w, spec, inputs, vectorKernels));
            }
            else
            {
                WriteGates(w, spec, inputs, vectorKernels);
            }
            if (spec.Trainable)
                WriteKeepStep(w, spec, k);
            w.Line("layerInput = h;");
            w.Close();
        }
        bool joinHalves = fused && RecurrentStepKernel.StoresHalves512(spec);
        if (joinHalves)
        {
            // The kernel stored the state in 256-bit halves, which a 512-bit load (Span.CopyTo's, or the caller's, such as
            // a dense head's) cannot take from the store buffer: it would wait for both stores to reach the cache. Each
            // pair of halves is read as it was stored and written as one 512-bit vector, which any later load can take.
            string m = Dense.KernelWriter.Marshal, v256 = "global::System.Runtime.Intrinsics.Vector256", v512 = "global::System.Runtime.Intrinsics.Vector512";
            w.Open($"if ({v512}.IsHardwareAccelerated)");
            w.Line($"ref float state = ref {m}.GetReference(layerInput);");
            w.Line($"ref float output = ref {m}.GetReference(y);");
            w.Line($"for (nuint j = 0; j < {Number(h)}; j += 16)");
            w.Line($"    {v512}.StoreUnsafe({v512}.Create({v256}.LoadUnsafe(ref state, j), {v256}.LoadUnsafe(ref state, j + 8)), ref output, j);");
            w.Close();
            w.Open("else");
        }
        w.Line("layerInput.CopyTo(y);");
        if (joinHalves)
            w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>The step of one layer through the gates' dense kernels (or scalar loops) and the span activations.</summary>
    private static void WriteGates(IndentedWriter w, RecurrentSpec spec, int inputs, bool vectorKernels)
    {
        string t = spec.ElementKeyword;
        int h = spec.Hidden, rows = spec.GateRows;
        {
            if (spec.HasCell)
            {
                // gates = (W_ih x + b_ih) + (W_hh h + b_hh), rows i, f, g, o.
                if (vectorKernels)
                {
                    RecurrentKernels.WriteCall(w, spec, inputs, "layerInput", "gates", "inputWeights", "inputBias");
                    RecurrentKernels.WriteCall(w, spec, h, "h", "recurrent", "recurrentWeights", "recurrentBias");
                    w.Line($"for (int row = 0; row < {Number(rows)}; row++)");
                    w.Line("    gates[row] += recurrent[row];");
                }
                else
                {
                    w.Open($"for (int row = 0; row < {Number(rows)}; row++)");
                    WriteAffine(w, spec, "fromInput", "inputWeights", "layerInput", inputs, "inputBias");
                    WriteAffine(w, spec, "fromState", "recurrentWeights", "h", h, "recurrentBias");
                    w.Line($"gates[row] = {Round(spec, "fromInput + fromState")};");
                    w.Close();
                }
                w.Line($"{Sigmoid(spec)}(gates.Slice(0, {Number(2 * h)}));");
                w.Line($"{Tanh(spec)}(gates.Slice({Number(2 * h)}, {Number(h)}));");
                w.Line($"{Sigmoid(spec)}(gates.Slice({Number(3 * h)}, {Number(h)}));");
                w.Open($"for (int j = 0; j < {Number(h)}; j++)");
                w.Line($"c[j] = {Round(spec, $"{Round(spec, $"gates[{Number(h)} + j] * c[j]")} + {Round(spec, $"gates[j] * gates[{Number(2 * h)} + j]")}")};");
                w.Line("other[j] = c[j];");
                w.Close();
                w.Line($"{Tanh(spec)}(other.Slice(0, {Number(h)}));");
                w.Line($"for (int j = 0; j < {Number(h)}; j++)");
                w.Line($"    h[j] = {Round(spec, $"gates[{Number(3 * h)} + j] * other[j]")};");
            }
            else
            {
                // gates = W_ih x + b_ih and other = W_hh h + b_hh, rows r, z, n; r and z from their sum.
                if (vectorKernels)
                {
                    RecurrentKernels.WriteCall(w, spec, inputs, "layerInput", "gates", "inputWeights", "inputBias");
                    RecurrentKernels.WriteCall(w, spec, h, "h", "other", "recurrentWeights", "recurrentBias");
                }
                else
                {
                    w.Open($"for (int row = 0; row < {Number(rows)}; row++)");
                    WriteAffine(w, spec, "fromInput", "inputWeights", "layerInput", inputs, "inputBias");
                    WriteAffine(w, spec, "fromState", "recurrentWeights", "h", h, "recurrentBias");
                    w.Line("gates[row] = fromInput;");
                    w.Line("other[row] = fromState;");
                    w.Close();
                }
                w.Line($"for (int row = 0; row < {Number(2 * h)}; row++)");
                w.Line($"    gates[row] = {Round(spec, "gates[row] + other[row]")};");
                w.Line($"{Sigmoid(spec)}(gates.Slice(0, {Number(2 * h)}));");
                w.Line($"for (int j = 0; j < {Number(h)}; j++)");
                w.Line($"    gates[{Number(2 * h)} + j] = {Round(spec, $"gates[{Number(2 * h)} + j] + {Round(spec, $"gates[j] * other[{Number(2 * h)} + j]")}")};");
                w.Line($"{Tanh(spec)}(gates.Slice({Number(2 * h)}, {Number(h)}));");
                w.Open($"for (int j = 0; j < {Number(h)}; j++)");
                w.Line($"{t} n = gates[{Number(2 * h)} + j];");
                w.Line($"h[j] = {Round(spec, $"n + {Round(spec, $"gates[{Number(h)} + j] * {Round(spec, "(h[j] - n)")}")}")};");
                w.Close();
            }
        }
    }

    /// <summary>Keeps the state the first step starts from, at 0 of the layer's history (<see cref="HistoryIndex"/>).</summary>
    private static void WriteKeepFirstState(IndentedWriter w, RecurrentSpec spec, string layer)
    {
        string h = Number(spec.Hidden);
        // Later steps start from what the step before kept after it (WriteKeepStep).
        w.Open("if (step == 0)");
        w.Line($"int kept = {HistoryIndex(spec, layer, "stream", "0")};");
        w.Line($"h.CopyTo(historyHidden.Slice(kept, {h}));");
        if (spec.HasCell)
            w.Line($"c.CopyTo(historyCell.Slice(kept, {h}));");
        w.Close();
    }

    /// <summary>
    /// Keeps what the step computed: its activated gates, its <c>tanh(c')</c> (LSTM) or <c>W_hn h + b_hn</c> (GRU), and the
    /// new state after the one it started from: the next step's starting state, and the layer above's input.
    /// </summary>
    private static void WriteKeepStep(IndentedWriter w, RecurrentSpec spec, string layer)
    {
        string h = Number(spec.Hidden), rows = Number(spec.GateRows);
        w.Open("if (step >= 0)");
        w.Line($"int kept = {StepIndex(spec, layer, "stream", "step")};");
        w.Line($"gates.CopyTo(historyGates.Slice(kept * {rows}, {rows}));");
        w.Line($"other.Slice({(spec.HasCell ? "0" : Number(2 * spec.Hidden))}, {h}).CopyTo(historyExtra.Slice(kept * {h}, {h}));");
        w.Line($"int after = {HistoryIndex(spec, layer, "stream", "step + 1")};");
        w.Line($"h.CopyTo(historyHidden.Slice(after, {h}));");
        if (spec.HasCell)
            w.Line($"c.CopyTo(historyCell.Slice(after, {h}));");
        w.Close();
    }

    /// <summary>
    /// Where the hidden (or cell) state before step <paramref name="step"/> of a layer and stream starts in the kept
    /// history, <c>[Layers, MaxBatch, MaxSteps + 1, Hidden]</c>; index <c>steps</c> holds the state after the last step.
    /// </summary>
    internal static string HistoryIndex(RecurrentSpec spec, string layer, string stream, string step) =>
        $"(({layer} * {Number(spec.MaxBatch)} + {stream}) * {Number(spec.MaxSteps + 1)} + {step}) * {Number(spec.Hidden)}";

    /// <summary>The index of step <paramref name="step"/> of a layer and stream among the kept steps, <c>[Layers, MaxBatch, MaxSteps]</c>.</summary>
    internal static string StepIndex(RecurrentSpec spec, string layer, string stream, string step) =>
        $"({layer} * {Number(spec.MaxBatch)} + {stream}) * {Number(spec.MaxSteps)} + {step}";

    /// <summary><c>{name} = Σ weights[row, i] · vector[i] + bias[row]</c>: the products summed from zero in input order, then the bias.</summary>
    private static void WriteAffine(IndentedWriter w, RecurrentSpec spec, string name, string weights, string vector, int columns, string bias)
    {
        string t = spec.ElementKeyword;
        w.Line($"{t} {name} = {(spec.Element == ElementKind.Float64 ? "0d" : "0f")};");
        w.Line($"{ReadOnlySpan}<{t}> {name}Row = {weights}.Slice(row * {Number(columns)}, {Number(columns)});");
        w.Line($"for (int i = 0; i < {Number(columns)}; i++)");
        w.Line($"    {name} = {Round(spec, $"{name} + {Round(spec, $"{name}Row[i] * {vector}[i]")}")};");
        w.Line($"{name} = {Round(spec, $"{name} + {bias}[row]")};");
    }

    /// <summary>An arithmetic step, explicitly rounded to the element type in a deterministic layer (for runtimes that keep intermediates wider).</summary>
    internal static string Round(RecurrentSpec spec, string expression) => spec.Deterministic ? $"({spec.ElementKeyword})({expression})" : expression;

    internal static string Sigmoid(RecurrentSpec spec) => spec.Deterministic ? GeneratedFile.CompilerServices + ".DeterministicActivations.Sigmoid" : $"global::DenseGen.Activations.Sigmoid<{spec.ElementKeyword}>";

    internal static string Tanh(RecurrentSpec spec) => spec.Deterministic ? GeneratedFile.CompilerServices + ".DeterministicActivations.Tanh" : $"global::DenseGen.Activations.Tanh<{spec.ElementKeyword}>";

    internal static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
