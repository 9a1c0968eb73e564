// BLAS through OpenBLAS's CBLAS interface, and the LAPACK routines Augur uses through their
// Fortran entry points (OpenBLAS ships LAPACK inside libopenblas). Declaring the few LAPACK
// prototypes here keeps us independent of the several incompatible lapack.h variants.
#ifndef AUGUR_CLINEARALGEBRA_SHIM_H
#define AUGUR_CLINEARALGEBRA_SHIM_H

#include <cblas.h>

// Cholesky factorization of a symmetric positive definite matrix.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
// Solve A X = B with A = L L^T from dpotrf_.
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);
// Inverse of a symmetric positive definite matrix from its Cholesky factor.
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
// Inverse of a triangular matrix, in place.
void dtrtri_(const char *uplo, const char *diag, const int *n, double *a, const int *lda, int *info);
// Symmetric eigenvalue decomposition.
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
            double *work, const int *lwork, int *info);

// Single precision Cholesky, used by the training core's tests.
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);

int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
char *openblas_get_config(void);
// The kernel family OpenBLAS picked for this CPU ("SkylakeX", "Haswell", "Prescott" for its generic fallback).
char *openblas_get_corename(void);

#endif
