using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace DenseGen.Generator.Networks;

/// <summary>
/// Finds the weight file a network's <c>Weights</c> names among the files the compiler was given, or says why none
/// fits and what to write instead (DG0029). A name matches a file's name exactly as the build files write it: the
/// path from the project directory (or the item's <c>Link</c>), with '\' read as '/' and a leading "./" dropped. A
/// file of the same name in another folder is not taken silently, since adding or moving an unrelated file would then
/// change which one is baked; the message suggests its path instead.
/// </summary>
internal static class WeightsLookup
{
    /// <summary>The extensions the package's build files hand to the generator (DenseGen.targets).</summary>
    public static readonly string[] Extensions = { ".safetensors", ".onnx" };

    /// <summary>How many of the given files a not-found message lists when nothing resembles the name.</summary>
    private const int Listed = 5;

    /// <summary>The one file named <paramref name="weights"/>, or null and the end of DG0029's message.</summary>
    public static (WeightsText? File, string? Problem) Find(string weights, IReadOnlyList<WeightsText> files)
    {
        if (weights.Trim().Length == 0)
        {
            return (null, "the name is empty: set Weights to the path of a .safetensors or .onnx file from the project directory, "
                + "such as \"models/net.safetensors\", or remove Weights to start from Initialize or Load instead");
        }
        string wanted = WeightsText.Normalize(weights);
        WeightsText[] exact = files.Where(f => f.Name == wanted).ToArray();
        if (exact.Length == 1)
            return (exact[0], null);
        if (exact.Length > 1)
        {
            return (null, $"the compiler was given {Count(exact.Length)} files named '{wanted}' ({string.Join(" and ", exact.Select(f => "'" + f.Source + "'"))}), "
                + "and DenseGen cannot tell which one to bake: remove one of them, or give one item another Link");
        }

        if (IsAbsolute(wanted))
        {
            // The longest name the absolute path ends with is the file it most likely means.
            WeightsText? inProject = files
                .Where(f => f.Name.Length > 0 && wanted.EndsWith("/" + f.Name, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(f => f.Name.Length)
                .FirstOrDefault();
            return (null, inProject is not null
                ? $"that is an absolute path, and Weights takes a path relative to the project directory: write Weights = \"{inProject.Name}\""
                : "that is an absolute path, and Weights takes a path relative to the project directory: put the file in the project's directory "
                    + "tree and give its path from there (" + HandedOver + ")");
        }

        if (!Extensions.Any(e => wanted.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
        {
            return (null, "that is not a .safetensors or .onnx file, and only those are handed to the generator: save the weights as safetensors "
                + "(PyTorch: safetensors.torch.save_file(model.state_dict(), \"net.safetensors\")) or export the model to ONNX, and name that file");
        }

        string notGiven = $"the compiler was given no file '{wanted}' ({HandedOver}); ";
        WeightsText[] similar = files.Where(f => Resembles(f.Name, wanted)).OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();
        if (similar.Length == 1)
            return (null, notGiven + $"the project has '{similar[0].Name}': write Weights = \"{similar[0].Name}\"");
        if (similar.Length > 1)
            return (null, notGiven + $"the project has files of that name at {string.Join(" and ", similar.Select(f => "'" + f.Name + "'"))}: write the path of the one you mean");
        if (files.Count == 0)
        {
            return (null, notGiven + "it was given no weight file at all: put the file in the project's directory tree, check that DenseGenBakeWeights "
                + "is not false, or in Unity add its text form (docs/import.md)");
        }
        IEnumerable<string> names = files.Select(f => "'" + f.Name + "'").OrderBy(n => n, StringComparer.Ordinal);
        string given = string.Join(", ", names.Take(Listed)) + (files.Count > Listed ? $" and {Count(files.Count - Listed)} more" : "");
        return (null, notGiven + $"it was given {given}: put the file in the project's directory tree, or in Unity add its text form (docs/import.md)");
    }

    /// <summary>What the build files hand over, as every not-found message says it.</summary>
    private const string HandedOver =
        "the package's build files hand the generator only the project's .safetensors and .onnx files, its None, Content and EmbeddedResource "
        + "items, each named by its path from the project directory or by its Link";

    /// <summary>A name that differs only in case, or a file of the same name in another folder.</summary>
    private static bool Resembles(string name, string wanted) =>
        string.Equals(name, wanted, StringComparison.OrdinalIgnoreCase)
        || string.Equals(FileName(name), FileName(wanted), StringComparison.OrdinalIgnoreCase);

    private static string FileName(string path) => path.Substring(path.LastIndexOf('/') + 1);

    /// <summary>Rooted on any platform the project may be built on: "/x", "//server/x" (UNC, after '\' became '/'), "C:/x".</summary>
    private static bool IsAbsolute(string path) =>
        path.StartsWith("/", StringComparison.Ordinal)
        || (path.Length >= 3 && char.IsLetter(path[0]) && path[1] == ':' && path[2] == '/');

    private static string Count(int count) => count.ToString(CultureInfo.InvariantCulture);
}
