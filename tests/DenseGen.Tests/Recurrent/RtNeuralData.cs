using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using DenseGen.Tests.Infrastructure;

namespace DenseGen.Tests.Recurrent;

/// <summary>
/// RTNeural's reference data in the external folder (shared/external/rtneural, see SOURCES.md there): for
/// <c>kind</c> "gru" or "lstm", a PyTorch state dict as JSON (a layer 1 → 8 named <c>{kind}</c>, three stacked layers
/// 8 → 8 named <c>{kind}2</c>, a Linear 8 → 1 named <c>dense</c>) and 1,000 inputs and outputs streamed from a zero state.
/// </summary>
internal static class RtNeuralData
{
    /// <summary>RTNeural's tests compare its outputs with PyTorch's float32 ones within this absolute tolerance.</summary>
    public const double Tolerance = 1e-6;

    /// <summary>Every tensor by its PyTorch name, row-major. The file holds float32 values widened to double, so casting back is exact.</summary>
    public static Dictionary<string, double[]> StateDict(string kind)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(ExternalModels.Path($"rtneural/{kind}_torch.json")));
        return json.RootElement.EnumerateObject().ToDictionary(property => property.Name, property => Flatten(property.Value));
    }

    public static double[] Inputs(string kind) => Column($"rtneural/{kind}_torch_x_python.csv");

    public static double[] Outputs(string kind) => Column($"rtneural/{kind}_torch_y_python.csv");

    /// <summary>A JSON number or nested array of numbers, row-major.</summary>
    private static double[] Flatten(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? [.. element.EnumerateArray().SelectMany(Flatten)] : [element.GetDouble()];

    private static double[] Column(string file) =>
        [.. File.ReadAllLines(ExternalModels.Path(file)).Where(l => l.Length > 0).Select(l => double.Parse(l, CultureInfo.InvariantCulture))];
}
