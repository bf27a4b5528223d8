namespace DenseGen.Generator.Model;

/// <summary>
/// What the parser found for one annotated type: the layer to emit (null when the declaration is invalid)
/// and the diagnostics to report. The two are split into separate pipeline steps so that moving a
/// declaration, which changes only diagnostic locations, leaves the source output cached.
/// <see cref="StructDeclaration"/> is the identifier of a valid struct layer, kept apart from the spec for the same
/// reason: whether it draws DG0015 depends on the target, which the parser does not see.
/// </summary>
internal sealed record ParseResult(LayerSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? StructDeclaration = null);
