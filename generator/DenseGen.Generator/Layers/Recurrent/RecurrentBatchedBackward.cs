using DenseGen.Generator.Shared;
using static DenseGen.Generator.Layers.Recurrent.RecurrentEmitter;
using static DenseGen.Generator.Layers.Recurrent.RecurrentSpec;

namespace DenseGen.Generator.Layers.Recurrent;

/// <summary>
/// Writes one layer of the <c>Backward</c> of a trainable layer that is not deterministic
/// (<see cref="RecurrentSpec.BatchedBackward"/>): the same gradients as <see cref="RecurrentBackward"/>'s step-by-step order,
/// arranged so that the products run as matrix products. Pure: the same spec always gives byte-identical text.
/// </summary>
/// <remarks>
/// <para>
/// Only the state's gradient has to go back one step at a time. So each step, from the last back to the first, takes
/// every stream at once: the gates' pre-activation gradients element by element (the same code as the step-by-step
/// order), kept for the whole sequence and also laid side by side for the step; then the state's gradient of every
/// stream, <c>W_hhᵀ</c> times those, as one product of <c>streams</c> rows. Once the first step is done, the weights'
/// gradients (<c>Σ gate gradient ⊗ input</c>, <c>Σ gate gradient ⊗ previous state</c>), the biases' and the input's
/// gradient are taken for each stream over all its steps at once.
/// </para>
/// <para>
/// In the full output those products are the dense layers' batched kernels (<see cref="RecurrentKernels"/>), which keep
/// each weight tile in registers across the rows, where one step at a time read every weight again for every stream and
/// step. The portable output writes them as loops. A stream's input and state gradients are each a sum over the weight
/// rows in row order for every lane, whichever rows a kernel takes together, so a stream's are the same bits alone or
/// among others; the weights' gradients add the steps in order, stream after stream.
/// </para>
/// </remarks>
internal static class RecurrentBatchedBackward
{
    public static void WriteLayer(IndentedWriter w, RecurrentSpec spec, LayerStorage storage, int layer, bool portable)
    {
        string t = spec.ElementKeyword, k = Number(layer), h = Number(spec.Hidden), rows = Number(spec.GateRows);
        string maxBatch = Number(spec.MaxBatch), maxSteps = Number(spec.MaxSteps);
        int inputs = spec.InputsOf(layer);
        w.Open("");
        RecurrentBackward.WriteLayerSpans(w, spec, storage, layer);
        // Every stream's and step's gate gradients, [MaxBatch, MaxSteps, rows] (a GRU's recurrent side after them); and the
        // step's recurrent side of every stream side by side, [MaxBatch, rows] (a GRU's direct part of the state's gradient after).
        w.Line($"{Span}<{t}> gateGradients = {LayerFrame.SpanOf(GateGradientsField, storage)}, stepGradients = {LayerFrame.SpanOf(StepGradientsField, storage)};");
        w.Line($"{Span}<{t}> hiddenGradients = HiddenStateGradients.Slice({k} * {maxBatch} * {h}, streams * {h});");
        w.Line("hiddenGradients.Clear();");
        if (spec.HasCell)
        {
            w.Line($"{Span}<{t}> cellGradients = CellStateGradients.Slice({k} * {maxBatch} * {h}, streams * {h});");
            w.Line("cellGradients.Clear();");
        }

        w.Open("for (int step = steps - 1; step >= 0; step--)");
        w.Open("for (int stream = 0; stream < streams; stream++)");
        RecurrentBackward.WriteKeptStep(w, spec, layer);
        w.Line($"{Span}<{t}> hiddenGradient = hiddenGradients.Slice(stream * {h}, {h});");
        if (spec.HasCell)
            w.Line($"{Span}<{t}> cellGradient = cellGradients.Slice(stream * {h}, {h});");
        w.Line($"{Span}<{t}> fromInput = gateGradients.Slice((stream * {maxSteps} + step) * {rows}, {rows});");
        if (spec.HasCell)
        {
            w.Line($"{Span}<{t}> fromState = fromInput;");
            RecurrentBackward.WriteLstmGates(w, spec);
        }
        else
        {
            w.Line($"{Span}<{t}> fromState = gateGradients.Slice((({maxBatch} + stream) * {maxSteps} + step) * {rows}, {rows});");
            w.Line($"{Span}<{t}> direct = stepGradients.Slice({maxBatch} * {rows} + stream * {h}, {h});");
            RecurrentBackward.WriteGruGates(w, spec);
        }
        w.Line($"fromState.CopyTo(stepGradients.Slice(stream * {rows}, {rows}));");
        w.Close();
        // The state's gradient before the step, every stream at once: W_hhᵀ times its recurrent-side gate gradients.
        WriteInputGradient(w, spec, portable, spec.Hidden, $"stepGradients.Slice(0, streams * {rows})", "recurrentWeights", "hiddenGradients", "streams");
        if (!spec.HasCell)
        {
            w.Line($"for (int i = 0; i < streams * {h}; i++)");
            w.Line($"    hiddenGradients[i] += stepGradients[{maxBatch} * {rows} + i];");
        }
        w.Close();

        if (spec.TrainInitialState)
        {
            w.Open("for (int stream = 0; stream < streams; stream++)");
            w.Open($"for (int j = 0; j < {h}; j++)");
            w.Line($"InitialHiddenStateGradients[{k} * {h} + j] += hiddenGradients[stream * {h} + j];");
            if (spec.HasCell)
                w.Line($"InitialCellStateGradients[{k} * {h} + j] += cellGradients[stream * {h} + j];");
            w.Close();
            w.Close();
        }

        // The weights', biases' and input's gradients of each stream over all its steps.
        w.Open("for (int stream = 0; stream < streams; stream++)");
        w.Line($"{ReadOnlySpan}<{t}> inputSide = gateGradients.Slice(stream * {maxSteps} * {rows}, steps * {rows});");
        w.Line(spec.HasCell
            ? $"{ReadOnlySpan}<{t}> stateSide = inputSide;"
            : $"{ReadOnlySpan}<{t}> stateSide = gateGradients.Slice(({maxBatch} + stream) * {maxSteps} * {rows}, steps * {rows});");
        w.Line(layer == 0
            ? $"{ReadOnlySpan}<{t}> layerInput = input.Slice(stream * steps * {Number(spec.In)}, steps * {Number(spec.In)});"
            : $"{ReadOnlySpan}<{t}> layerInput = historyHidden.Slice({HistoryIndex(spec, Number(layer - 1), "stream", "1")}, steps * {h});");
        w.Line($"{ReadOnlySpan}<{t}> previousStates = historyHidden.Slice({HistoryIndex(spec, k, "stream", "0")}, steps * {h});");
        WriteWeightGradient(w, spec, portable, inputs, "layerInput", "inputSide", "inputWeightGradients");
        WriteWeightGradient(w, spec, portable, spec.Hidden, "previousStates", "stateSide", "recurrentWeightGradients");
        w.Line("__DenseAddGateSums(inputSide, inputBiasGradients, steps);");
        w.Line("__DenseAddGateSums(stateSide, recurrentBiasGradients, steps);");
        if (layer == 0)
        {
            w.Open("if (inputGradient.Length != 0)");
            WriteInputGradient(w, spec, portable, inputs, "inputSide", "inputWeights", $"inputGradient.Slice(stream * steps * {Number(spec.In)}, steps * {Number(spec.In)})", "steps");
            w.Close();
        }
        else
        {
            WriteInputGradient(w, spec, portable, inputs, "inputSide", "inputWeights", $"between.Slice(stream * steps * {h}, steps * {h})", "steps");
        }
        w.Close();
        w.Close();
    }

    /// <summary>The portable output's products as loops, and the biases' sums, which both outputs share.</summary>
    public static void WriteHelpers(IndentedWriter w, RecurrentSpec spec, bool portable)
    {
        string t = spec.ElementKeyword, rows = Number(spec.GateRows);
        GeneratedFile.Method(w, null);
        w.Open($"private static void __DenseAddGateSums({ReadOnlySpan}<{t}> gradients, {Span}<{t}> sums, int samples)");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Line($"{ReadOnlySpan}<{t}> row = gradients.Slice(sample * {rows}, {rows});");
        w.Line("int i = 0;");
        if (!portable)
        {
            // Lane by lane the same additions in the same order as the loop below.
            const string vector = "global::System.Numerics.Vector";
            w.Line($"for (; i <= {rows} - {vector}<{t}>.Count; i += {vector}<{t}>.Count)");
            w.Line($"    (new {vector}<{t}>(sums.Slice(i)) + new {vector}<{t}>(row.Slice(i))).CopyTo(sums.Slice(i));");
        }
        w.Line($"for (; i < {rows}; i++)");
        w.Line("    sums[i] += row[i];");
        w.Close();
        w.Close();
        if (!portable)
            return;
        w.Line();
        GeneratedFile.Method(w, null);
        w.Open($"private static void __DenseAddWeightGradients({ReadOnlySpan}<{t}> x, {ReadOnlySpan}<{t}> gradients, {Span}<{t}> weightGradients, int samples, int columns)");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Line($"{ReadOnlySpan}<{t}> xs = x.Slice(sample * columns, columns);");
        w.Open($"for (int row = 0; row < {rows}; row++)");
        w.Line($"{t} g = gradients[sample * {rows} + row];");
        w.Line($"{Span}<{t}> gradientRow = weightGradients.Slice(row * columns, columns);");
        w.Line("for (int i = 0; i < columns; i++)");
        w.Line("    gradientRow[i] += g * xs[i];");
        w.Close();
        w.Close();
        w.Close();
        w.Line();
        GeneratedFile.Method(w, null);
        w.Open($"private static void __DenseInputGradients({ReadOnlySpan}<{t}> gradients, {ReadOnlySpan}<{t}> weights, {Span}<{t}> target, int samples, int columns)");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Line($"{Span}<{t}> dx = target.Slice(sample * columns, columns);");
        w.Line("dx.Clear();");
        w.Open($"for (int row = 0; row < {rows}; row++)");
        w.Line($"{t} g = gradients[sample * {rows} + row];");
        w.Line($"{ReadOnlySpan}<{t}> weightRow = weights.Slice(row * columns, columns);");
        w.Line("for (int i = 0; i < columns; i++)");
        w.Line("    dx[i] += g * weightRow[i];");
        w.Close();
        w.Close();
        w.Close();
    }

    private static void WriteWeightGradient(IndentedWriter w, RecurrentSpec spec, bool portable, int columns, string x, string gradients, string weightGradients)
    {
        if (portable)
            w.Line($"__DenseAddWeightGradients({x}, {gradients}, {weightGradients}, steps, {Number(columns)});");
        else
            RecurrentKernels.WriteWeightGradientCall(w, spec, columns, x, gradients, weightGradients, "steps");
    }

    private static void WriteInputGradient(IndentedWriter w, RecurrentSpec spec, bool portable, int columns, string gradients, string weights, string target, string samples)
    {
        if (portable)
            w.Line($"__DenseInputGradients({gradients}, {weights}, {target}, {samples}, {Number(columns)});");
        else
            RecurrentKernels.WriteInputGradientCall(w, spec, columns, gradients, weights, target, samples);
    }
}
