namespace DenseGen.Generator.Models;

/// <summary>
/// The members every <c>[OnnxModel]</c> class gets whatever its graph, besides the parameterless constructor (DG0031):
/// the generated size constants and constant outputs may not take these names, nor names the class declares itself, and
/// the class may not declare them (<see cref="OnnxModelPlanner"/> refuses each, naming the graph name or the member).
/// </summary>
internal static class OnnxModelMembers
{
    public static readonly string[] Fixed = ["MaxBatch", "Forward", "LoadBakedWeights", "LoadOnnx"];

    /// <summary>The parameter of <c>Forward</c> that takes the random generator, when an output is drawn.</summary>
    public const string RandomParameter = "random";
}
