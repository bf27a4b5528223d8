using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;
using static DenseGen.Generator.Layers.Recurrent.RecurrentEmitter;
using static DenseGen.Generator.Layers.Recurrent.RecurrentSpec;

namespace DenseGen.Generator.Layers.Recurrent;

/// <summary>
/// Writes a trainable recurrent layer's <c>Backward</c>: back-propagation through time over the last <c>Forward</c>, from
/// what it kept of every step (<see cref="RecurrentSpec.OwnBuffers"/>). Pure: the same spec always gives
/// byte-identical text.
/// </summary>
/// <remarks>
/// This is a deterministic layer's order; the others take every stream of a step at once and the weights' gradients over
/// whole sequences (<see cref="RecurrentBatchedBackward"/>), from the same gate gradients. The layers are taken from the
/// top down, each stream from its last step back to its first. A step's gradient of the
/// hidden state is the output's gradient plus what the next step passed back (the <c>HiddenStateGradients</c> of that
/// stream, which therefore end as the gradient of the state before the Forward); the gates' pre-activation gradients come
/// from the kept gates, element by element; then the weights' and biases' gradients are added, and the input's and the
/// previous state's gradients are written, each a sum over the gate rows in row order. The input's gradient of a layer
/// above the first goes, in place of its output's gradient, to the buffer the layer below reads. Every step is rounded
/// explicitly in a deterministic layer, as the forward step is.
/// </remarks>
internal static class RecurrentBackward
{
    public static void Write(IndentedWriter w, RecurrentSpec spec, LayerStorage storage, string? methodAttributes, bool portable)
    {
        string t = spec.ElementKeyword;
        WriteDocs(w, spec);
        GeneratedFile.Method(w, methodAttributes);
        w.Open($"public void Backward({ReadOnlySpan}<{t}> input, {ReadOnlySpan}<{t}> outputGradient, {Span}<{t}> inputGradient)");
        w.Line($"int streams = {KeptStreamsField}, steps = {KeptStepsField};");
        w.Line("if (steps == 0)");
        w.Line("    throw new global::System.InvalidOperationException(\"Backward goes back through the last Forward, and the layer has run none.\");");
        w.Line("long inputs = (long)streams * steps * InputSize, outputs = (long)streams * steps * HiddenSize;");
        w.Line("if (input.Length != inputs)");
        w.Line("    throw new global::System.ArgumentException($\"input holds {input.Length} elements; the last Forward took {streams} sequences of {steps} steps × InputSize ({InputSize}), {inputs}.\", nameof(input));");
        w.Line("if (outputGradient.Length != outputs)");
        w.Line("    throw new global::System.ArgumentException($\"outputGradient holds {outputGradient.Length} elements; the last Forward wrote {streams} sequences of {steps} steps × HiddenSize ({HiddenSize}), {outputs}.\", nameof(outputGradient));");
        w.Line("if (inputGradient.Length != 0 && inputGradient.Length != inputs)");
        w.Line("    throw new global::System.ArgumentException($\"inputGradient holds {inputGradient.Length} elements; it must be empty or hold {inputs}, as input does.\", nameof(inputGradient));");
        WriteDisjoint(w, spec, storage);
        w.Line();
        for (int layer = spec.Layers - 1; layer >= 0; layer--)
        {
            if (spec.BatchedBackward)
                RecurrentBatchedBackward.WriteLayer(w, spec, storage, layer, portable);
            else
                WriteLayer(w, spec, storage, layer);
        }
        w.Close();
        w.Line();
        if (spec.BatchedBackward)
            RecurrentBatchedBackward.WriteHelpers(w, spec, portable);
        else
            WriteTransposedProduct(w, spec);
        w.Line();
    }

    private static void WriteDocs(IndentedWriter w, RecurrentSpec spec)
    {
        w.Line("/// <summary>");
        w.Line("/// Back-propagates through time over the last <see cref=\"Forward\"/>: adds every weight's and bias's gradient");
        w.Line(spec.TrainInitialState
            ? "/// (and the initial state's, summed over the streams), writes the input's gradient into <paramref name=\"inputGradient\"/> unless it is"
            : "/// writes the input's gradient into <paramref name=\"inputGradient\"/> unless it is");
        w.Line("/// empty, and writes the gradient of the state that Forward started from into <see cref=\"HiddenStateGradients\"/>" + (spec.HasCell ? " and" : "."));
        if (spec.HasCell)
            w.Line("/// <see cref=\"CellStateGradients\"/>.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\">The input given to that Forward, <c>[k, steps, InputSize]</c>.</param>");
        w.Line("/// <param name=\"outputGradient\"><c>∂L/∂output</c> for what that Forward wrote, <c>[k, steps, HiddenSize]</c>.</param>");
        w.Line("/// <param name=\"inputGradient\">Receives <c>∂L/∂input</c>, <c>[k, steps, InputSize]</c>; pass an empty span to skip it.</param>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">No Forward has run on the layer.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">");
        w.Line("/// A length differs from that Forward's streams and steps, or a span overlaps one that the call writes. Nothing is written when it is thrown.");
        w.Line("/// </exception>");
        w.Line("/// <remarks>");
        w.Line("/// The gradients are those of the weights as they were during that Forward: step an optimizer after Backward, not between.");
        w.Line("/// Gradients accumulate across calls until <see cref=\"ZeroGradients\"/>. The gradient reaching the state after the last");
        w.Line("/// step is taken as zero (the loss is on the outputs). Writes the gradients: one thread at a time. Allocates nothing.");
        w.Line("/// </remarks>");
    }

    /// <summary>What the call writes must overlap nothing it reads or writes besides: the spans the caller passes and the layer's own.</summary>
    private static void WriteDisjoint(IndentedWriter w, RecurrentSpec spec, LayerStorage storage)
    {
        string t = spec.ElementKeyword;
        LayerContract contract = spec.Contract;
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), input, nameof(input));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), outputGradient, nameof(outputGradient));");
        LayerFrame.WriteDisjointFromTensors(w, spec, contract, storage, "inputGradient", gradients: false);
        var written = new System.Collections.Generic.List<(string Span, string Name)>();
        foreach (TensorSpec tensor in contract.TrainedTensors)
            written.Add((LayerFrame.SpanOf(tensor.GradientField, storage), tensor.GradientProperty!));
        written.Add((LayerFrame.SpanOf(HiddenGradientsField, storage), "HiddenStateGradients"));
        if (spec.HasCell)
            written.Add((LayerFrame.SpanOf(CellGradientsField, storage), "CellStateGradients"));
        foreach (string read in new[] { "inputGradient", "input", "outputGradient" })
        {
            foreach ((string span, string name) in written)
                w.Line($"{Guard}.RequireDisjoint<{t}>({read}, nameof({read}), {span}, nameof({name}));");
        }
    }

    private static void WriteLayer(IndentedWriter w, RecurrentSpec spec, LayerStorage storage, int layer)
    {
        string t = spec.ElementKeyword, k = Number(layer), h = Number(spec.Hidden), rows = Number(spec.GateRows);
        int inputs = spec.InputsOf(layer);
        w.Open("");
        WriteLayerSpans(w, spec, storage, layer);
        w.Line($"{Span}<{t}> scratch = {LayerFrame.SpanOf(GradientScratchField, storage)};");
        // For an LSTM both weights see the same pre-activation gradients; a GRU's new gate sees r ⊙ its gradient on the recurrent side.
        w.Line($"{Span}<{t}> fromInput = scratch.Slice(0, {rows});");
        w.Line($"{Span}<{t}> fromState = {(spec.HasCell ? "fromInput" : $"scratch.Slice({rows}, {rows})")};");
        if (!spec.HasCell)
            w.Line($"{Span}<{t}> direct = scratch.Slice({Number(2 * spec.GateRows)}, {h});");
        w.Open("for (int stream = 0; stream < streams; stream++)");
        w.Line($"{Span}<{t}> hiddenGradient = HiddenStateGradients.Slice(({k} * {Number(spec.MaxBatch)} + stream) * {h}, {h});");
        w.Line("hiddenGradient.Clear();");
        if (spec.HasCell)
        {
            w.Line($"{Span}<{t}> cellGradient = CellStateGradients.Slice(({k} * {Number(spec.MaxBatch)} + stream) * {h}, {h});");
            w.Line("cellGradient.Clear();");
        }
        w.Open("for (int step = steps - 1; step >= 0; step--)");
        WriteKeptStep(w, spec, layer);
        w.Line(layer == 0
            ? $"{ReadOnlySpan}<{t}> x = input.Slice(at * {Number(spec.In)}, {Number(spec.In)});"
            : $"{ReadOnlySpan}<{t}> x = historyHidden.Slice({HistoryIndex(spec, Number(layer - 1), "stream", "step + 1")}, {h});");
        if (spec.HasCell)
            WriteLstmGates(w, spec);
        else
            WriteGruGates(w, spec);
        WriteParameterGradients(w, spec, inputs);
        if (layer == 0)
        {
            w.Line("if (inputGradient.Length != 0)");
            w.Line($"    __DenseTransposedProduct(inputWeights, fromInput, inputGradient.Slice(at * {Number(spec.In)}, {Number(spec.In)}), {Number(inputs)});");
        }
        else
        {
            w.Line($"__DenseTransposedProduct(inputWeights, fromInput, between.Slice(at * {h}, {h}), {Number(inputs)});");
        }
        w.Line(spec.HasCell ? "hiddenGradient.Clear();" : "direct.CopyTo(hiddenGradient);");
        WriteAddTransposedProduct(w, spec, "recurrentWeights", "fromState", "hiddenGradient", spec.Hidden);
        w.Close();
        if (spec.TrainInitialState)
        {
            w.Open($"for (int j = 0; j < {h}; j++)");
            w.Line($"InitialHiddenStateGradients[{k} * {h} + j] = {Round(spec, $"InitialHiddenStateGradients[{k} * {h} + j] + hiddenGradient[j]")};");
            if (spec.HasCell)
                w.Line($"InitialCellStateGradients[{k} * {h} + j] = {Round(spec, $"InitialCellStateGradients[{k} * {h} + j] + cellGradient[j]")};");
            w.Close();
        }
        w.Close();
        w.Close();
    }

    /// <summary>
    /// The spans one layer's Backward works on, in either order: its weights and their gradients, the history Forward kept,
    /// and between stacked layers the gradient of a layer's output (read by the layers below the top, written by those
    /// above the first).
    /// </summary>
    internal static void WriteLayerSpans(IndentedWriter w, RecurrentSpec spec, LayerStorage storage, int layer)
    {
        string t = spec.ElementKeyword, k = Number(layer);
        w.Line($"{ReadOnlySpan}<{t}> inputWeights = WeightIhL{k}, recurrentWeights = WeightHhL{k};");
        w.Line($"{Span}<{t}> inputWeightGradients = WeightIhL{k}Gradients, recurrentWeightGradients = WeightHhL{k}Gradients, inputBiasGradients = BiasIhL{k}Gradients, recurrentBiasGradients = BiasHhL{k}Gradients;");
        w.Line($"{ReadOnlySpan}<{t}> historyHidden = {LayerFrame.SpanOf(HistoryHiddenField, storage)}, historyGates = {LayerFrame.SpanOf(HistoryGatesField, storage)}, historyExtra = {LayerFrame.SpanOf(HistoryExtraField, storage)};");
        if (spec.HasCell)
            w.Line($"{ReadOnlySpan}<{t}> historyCell = {LayerFrame.SpanOf(HistoryCellField, storage)};");
        if (spec.Layers > 1)
            w.Line($"{Span}<{t}> between = {LayerFrame.SpanOf(LayerGradientsField, storage)};");
    }

    /// <summary>
    /// What the gate gradients of one stream's step read (<c>stream</c> and <c>step</c> in scope): its kept gates, its
    /// <c>tanh c'</c> or <c>W_hn h + b_hn</c>, the state it started from, and its output's gradient. Above the first layer,
    /// that gradient is what the layer above wrote as its input's, which this layer's input gradient replaces once read.
    /// </summary>
    internal static void WriteKeptStep(IndentedWriter w, RecurrentSpec spec, int layer)
    {
        string t = spec.ElementKeyword, k = Number(layer), h = Number(spec.Hidden), rows = Number(spec.GateRows);
        w.Line("int at = stream * steps + step;");
        w.Line($"int kept = {StepIndex(spec, k, "stream", "step")};");
        w.Line($"{ReadOnlySpan}<{t}> gates = historyGates.Slice(kept * {rows}, {rows});");
        w.Line($"{ReadOnlySpan}<{t}> extra = historyExtra.Slice(kept * {h}, {h});");
        w.Line($"{ReadOnlySpan}<{t}> previous = historyHidden.Slice({HistoryIndex(spec, k, "stream", "step")}, {h});");
        if (spec.HasCell)
            w.Line($"{ReadOnlySpan}<{t}> previousCell = historyCell.Slice({HistoryIndex(spec, k, "stream", "step")}, {h});");
        w.Line(layer == spec.Layers - 1
            ? $"{ReadOnlySpan}<{t}> outputStepGradient = outputGradient.Slice(at * {h}, {h});"
            : $"{ReadOnlySpan}<{t}> outputStepGradient = between.Slice(at * {h}, {h});");
    }

    /// <summary>
    /// An LSTM step's gate gradients, element by element from the kept gates (i, f, g, o activated) and <c>tanh(c')</c>:
    /// <c>dh = dY + dh_next</c>, <c>dc = dc_next + dh·o·(1 − tanh²c')</c>, then each gate's through its activation's
    /// derivative; the cell state's gradient passed back is <c>dc·f</c>.
    /// </summary>
    internal static void WriteLstmGates(IndentedWriter w, RecurrentSpec spec)
    {
        string t = spec.ElementKeyword, one = One(spec);
        int h = spec.Hidden;
        w.Open($"for (int j = 0; j < {Number(h)}; j++)");
        w.Line($"{t} dh = {R(spec, "outputStepGradient[j] + hiddenGradient[j]")};");
        w.Line($"{t} inputGate = gates[j], forgetGate = gates[{Number(h)} + j], candidate = gates[{Number(2 * h)} + j], outputGate = gates[{Number(3 * h)} + j], squashedCell = extra[j];");
        w.Line($"{t} dc = {R(spec, $"cellGradient[j] + {R(spec, $"{R(spec, "dh * outputGate")} * {Difference(spec, one, R(spec, "squashedCell * squashedCell"))}")}")};");
        w.Line($"fromInput[j] = {R(spec, $"{R(spec, "dc * candidate")} * {SigmoidDerivative(spec, "inputGate")}")};");
        w.Line($"fromInput[{Number(h)} + j] = {R(spec, $"{R(spec, "dc * previousCell[j]")} * {SigmoidDerivative(spec, "forgetGate")}")};");
        w.Line($"fromInput[{Number(2 * h)} + j] = {R(spec, $"{R(spec, "dc * inputGate")} * {Difference(spec, one, R(spec, "candidate * candidate"))}")};");
        w.Line($"fromInput[{Number(3 * h)} + j] = {R(spec, $"{R(spec, "dh * squashedCell")} * {SigmoidDerivative(spec, "outputGate")}")};");
        w.Line($"cellGradient[j] = {R(spec, "dc * forgetGate")};");
        w.Close();
    }

    /// <summary>
    /// A GRU step's gate gradients from the kept gates (r, z, n activated) and <c>W_hn h + b_hn</c>: with
    /// <c>h' = n + z·(h − n)</c>, <c>dn = dh·(1 − z)</c>, <c>dz = dh·(h − n)</c>, and <c>dh·z</c> passed straight back; the new
    /// gate's pre-activation gradient reaches <c>W_in</c> as it is and <c>W_hn</c> times <c>r</c>.
    /// </summary>
    internal static void WriteGruGates(IndentedWriter w, RecurrentSpec spec)
    {
        string t = spec.ElementKeyword, one = One(spec);
        int h = spec.Hidden;
        w.Open($"for (int j = 0; j < {Number(h)}; j++)");
        w.Line($"{t} dh = {R(spec, "outputStepGradient[j] + hiddenGradient[j]")};");
        w.Line($"{t} resetGate = gates[j], updateGate = gates[{Number(h)} + j], newGate = gates[{Number(2 * h)} + j], recurrentNew = extra[j];");
        w.Line($"{t} dNew = {R(spec, $"{R(spec, $"dh * {Difference(spec, one, "updateGate")}")} * {Difference(spec, one, R(spec, "newGate * newGate"))}")};");
        w.Line($"{t} dUpdate = {R(spec, $"dh * {Difference(spec, "previous[j]", "newGate")}")};");
        w.Line($"direct[j] = {R(spec, "dh * updateGate")};");
        w.Line($"{t} dReset = {R(spec, $"{R(spec, "dNew * recurrentNew")} * {SigmoidDerivative(spec, "resetGate")}")};");
        w.Line("fromInput[j] = dReset;");
        w.Line("fromState[j] = dReset;");
        w.Line($"{t} dUpdateInput = {R(spec, $"dUpdate * {SigmoidDerivative(spec, "updateGate")}")};");
        w.Line($"fromInput[{Number(h)} + j] = dUpdateInput;");
        w.Line($"fromState[{Number(h)} + j] = dUpdateInput;");
        w.Line($"fromInput[{Number(2 * h)} + j] = dNew;");
        w.Line($"fromState[{Number(2 * h)} + j] = {R(spec, "dNew * resetGate")};");
        w.Close();
    }

    /// <summary>Adds the step's outer products to the weights' gradients and its gate gradients to the biases'.</summary>
    private static void WriteParameterGradients(IndentedWriter w, RecurrentSpec spec, int inputs)
    {
        string h = Number(spec.Hidden);
        w.Open($"for (int row = 0; row < {Number(spec.GateRows)}; row++)");
        w.Line($"inputBiasGradients[row] = {R(spec, "inputBiasGradients[row] + fromInput[row]")};");
        w.Line($"recurrentBiasGradients[row] = {R(spec, "recurrentBiasGradients[row] + fromState[row]")};");
        w.Line($"{Span}<{spec.ElementKeyword}> inputRow = inputWeightGradients.Slice(row * {Number(inputs)}, {Number(inputs)}), recurrentRow = recurrentWeightGradients.Slice(row * {h}, {h});");
        w.Line($"for (int i = 0; i < {Number(inputs)}; i++)");
        w.Line($"    inputRow[i] = {R(spec, $"inputRow[i] + {R(spec, "fromInput[row] * x[i]")}")};");
        w.Line($"for (int i = 0; i < {h}; i++)");
        w.Line($"    recurrentRow[i] = {R(spec, $"recurrentRow[i] + {R(spec, "fromState[row] * previous[i]")}")};");
        w.Close();
    }

    /// <summary><c>{target} += Wᵀ {gradient}</c>, row by row in row order.</summary>
    private static void WriteAddTransposedProduct(IndentedWriter w, RecurrentSpec spec, string weights, string gradient, string target, int columns)
    {
        string c = Number(columns);
        w.Open($"for (int row = 0; row < {Number(spec.GateRows)}; row++)");
        w.Line($"{ReadOnlySpan}<{spec.ElementKeyword}> weightRow = {weights}.Slice(row * {c}, {c});");
        w.Line($"for (int i = 0; i < {c}; i++)");
        w.Line($"    {target}[i] = {R(spec, $"{target}[i] + {R(spec, $"weightRow[i] * {gradient}[row]")}")};");
        w.Close();
    }

    /// <summary>
    /// <c>target = Wᵀ gradient</c> over <c>columns</c> inputs, summed from zero in row order: the input's gradient of a
    /// layer, written once per layer (the first layer's inputs differ from the others').
    /// </summary>
    private static void WriteTransposedProduct(IndentedWriter w, RecurrentSpec spec)
    {
        string t = spec.ElementKeyword;
        GeneratedFile.Method(w, null);
        w.Open($"private static void __DenseTransposedProduct({ReadOnlySpan}<{t}> weights, {ReadOnlySpan}<{t}> gradient, {Span}<{t}> target, int columns)");
        w.Line("target.Clear();");
        w.Open($"for (int row = 0; row < {Number(spec.GateRows)}; row++)");
        w.Line($"{ReadOnlySpan}<{t}> weightRow = weights.Slice(row * columns, columns);");
        w.Line("for (int i = 0; i < columns; i++)");
        w.Line($"    target[i] = {R(spec, $"target[i] + {R(spec, "weightRow[i] * gradient[row]")}")};");
        w.Close();
        w.Close();
    }

    private static string SigmoidDerivative(RecurrentSpec spec, string value) => R(spec, $"{value} * {Difference(spec, One(spec), value)}");

    /// <summary><c>(a − b)</c>, parenthesized as the operand of a product (and rounded in a deterministic layer).</summary>
    private static string Difference(RecurrentSpec spec, string a, string b) => spec.Deterministic ? Round(spec, $"{a} - {b}") : $"({a} - {b})";

    private static string One(RecurrentSpec spec) => spec.Element == ElementKind.Float64 ? "1d" : "1f";

    private static string R(RecurrentSpec spec, string expression) => Round(spec, expression);
}
