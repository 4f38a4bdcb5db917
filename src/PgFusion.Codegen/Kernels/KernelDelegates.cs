using PgFusion.Arrow;

namespace PgFusion.Codegen.Kernels;

/// <summary>Writes the live rows of <paramref name="input"/> that pass into <paramref name="selection"/>; returns how many.</summary>
public delegate int FilterKernel(RecordBatch input, int[] selection, KernelContext context);

/// <summary>Computes one output column per expression for the live rows of <paramref name="input"/>, compacted from row 0.</summary>
public delegate void ProjectKernel(RecordBatch input, Column[] outputs, KernelContext context);
