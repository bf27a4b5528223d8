namespace DenseGen.Generator.Model;

/// <summary>
/// What the parser found for one annotated type: the layer to emit (null when the declaration is invalid)
/// and the diagnostics to report. The two are split into separate pipeline steps so that moving a
/// declaration, which changes only diagnostic locations, leaves the source output cached.
/// </summary>
internal sealed record ParseResult(LayerSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
