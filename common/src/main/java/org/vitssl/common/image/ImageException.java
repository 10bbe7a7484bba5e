package org.vitssl.common.image;

/** A file that cannot be used as an image, with a machine-readable {@link ImageProblem} and a detail. */
public final class ImageException extends Exception {
    private final ImageProblem problem;

    public ImageException(ImageProblem problem, String detail) {
        super(problem.id() + ": " + detail);
        this.problem = problem;
    }

    public ImageProblem problem() { return problem; }

    /** The message without the reason prefix. */
    public String detail() {
        String m = getMessage();
        return m.substring(problem.id().length() + 2);
    }
}
