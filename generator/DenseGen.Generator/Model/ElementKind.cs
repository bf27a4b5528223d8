namespace DenseGen.Generator.Model;

/// <summary>The element type of a layer's parameters and data.</summary>
internal enum ElementKind
{
    Float32,
    Float64,
}

/// <summary>The facts of an element type, in one place for the parser, the planner and the emitter.</summary>
internal static class ElementKindFacts
{
    /// <summary>The C# keyword: <c>float</c> or <c>double</c>.</summary>
    public static string Keyword(this ElementKind element) => element == ElementKind.Float64 ? "double" : "float";

    /// <summary>Size of one element in bytes.</summary>
    public static int Size(this ElementKind element) => element == ElementKind.Float64 ? 8 : 4;
}

/// <summary>A type that encloses the layer, outermost first: emitted as <c>partial {Keyword} {Name}</c>.</summary>
internal sealed record ContainingType(string Keyword, string Name);
